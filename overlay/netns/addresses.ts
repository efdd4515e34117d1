// Address arithmetic for the topology, on top of overlay/ipam's CIDR parser.
// Input errors are re-raised as MESHLET_NETNS_INPUT with the field that was wrong.

import { cidrContains, formatIpv4, parseCidr, parseIpv4, type Cidr } from '../ipam/index.ts';
import { NETNS_ERROR_CODES, netnsError } from './errors.ts';

export function parseNetnsCidr(text: string, field: string): Cidr {
  try {
    const cidr = parseCidr(text, field);
    if (cidr.prefixLength > 30) throw new Error('too small');
    return cidr;
  } catch (err) {
    throw netnsError(NETNS_ERROR_CODES.input, `overlay/netns: ${field} "${text}" is not an IPv4 network of /30 or larger like 10.244.1.0/24`, err);
  }
}

/** The gateway of a subnet is its first host address (flannel's cni0 .1, the router's rack port .1). */
export function gatewayOf(cidr: Cidr): string {
  return formatIpv4(cidr.base + 1);
}

/** Flannel puts the subnet's network address (.0/32) on the VTEP and routes peers via theirs. */
export function vtepAddressOf(cidr: Cidr): string {
  return formatIpv4(cidr.base);
}

/** A usable host address of `cidr` other than its gateway: not the network, gateway or broadcast address. */
export function checkHostAddress(ip: string, cidr: Cidr, field: string): void {
  const value = parseIpv4(ip);
  const reason =
    value === undefined ? 'is not an IPv4 address'
      : !cidrContains(cidr, value) ? `is outside ${cidr.text}`
        : value === cidr.base || value === cidr.base + 1 || value === cidr.base + cidr.size - 1
          ? `is the network, gateway or broadcast address of ${cidr.text}`
          : undefined;
  if (reason !== undefined) throw netnsError(NETNS_ERROR_CODES.input, `overlay/netns: ${field} "${ip}" ${reason}`);
}

export function checkIpv4(ip: string, field: string): void {
  if (parseIpv4(ip) === undefined) throw netnsError(NETNS_ERROR_CODES.input, `overlay/netns: ${field} "${ip}" is not an IPv4 address`);
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function checkMac(mac: string, field: string): void {
  if (!MAC.test(mac)) throw netnsError(NETNS_ERROR_CODES.input, `overlay/netns: ${field} "${mac}" is not a MAC address like 0a:58:0a:f4:01:01`);
}
