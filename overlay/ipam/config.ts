// Validates the overlay's address plan once, at start, so a bad flag fails
// with one clear message instead of half-working pods.

import { OVERLAY_ERROR_CODES, overlayError } from '../errors.ts';
import type { Cidr } from './cidr.ts';
import { cidrContains, cidrsOverlap, parseCidr, parseIpv4 } from './cidr.ts';

export type NetworkBackend = 'loopback' | 'single-ip' | 'netns';

export interface OverlayConfigInput {
  /** Default 127.244.0.0/16. */
  clusterCidr?: string;
  /** Default 127.96.0.0/12. */
  serviceCidr?: string;
  /** Prefix length of each node's subnet; default 24. */
  nodeSubnetLength?: number;
  /** Default 127.96.0.10. */
  clusterDnsIp?: string;
  /** Default 'loopback': every range must sit inside 127.0.0.0/8. */
  backend?: NetworkBackend;
}

export interface OverlayConfig {
  clusterCidr: Cidr;
  serviceCidr: Cidr;
  nodeSubnetLength: number;
  clusterDnsIp: string;
  backend: NetworkBackend;
}

export const DEFAULT_CLUSTER_CIDR = '127.244.0.0/16';
export const DEFAULT_SERVICE_CIDR = '127.96.0.0/12';
export const DEFAULT_NODE_SUBNET_LENGTH = 24;
export const DEFAULT_CLUSTER_DNS_IP = '127.96.0.10';

const LOOPBACK = parseCidr('127.0.0.0/8');

function fail(message: string): never {
  throw overlayError(OVERLAY_ERROR_CODES.config, `overlay/ipam: ${message}`);
}

export function validateOverlayConfig(input: OverlayConfigInput = {}): OverlayConfig {
  const backend = input.backend ?? 'loopback';
  const clusterCidr = parseCidr(input.clusterCidr ?? DEFAULT_CLUSTER_CIDR, 'cluster CIDR');
  const serviceCidr = parseCidr(input.serviceCidr ?? DEFAULT_SERVICE_CIDR, 'service CIDR');
  const nodeSubnetLength = input.nodeSubnetLength ?? DEFAULT_NODE_SUBNET_LENGTH;
  const clusterDnsIp = input.clusterDnsIp ?? DEFAULT_CLUSTER_DNS_IP;

  if (backend === 'loopback') {
    for (const [what, cidr] of [['cluster CIDR', clusterCidr], ['service CIDR', serviceCidr]] as const) {
      if (!(cidr.base >= LOOPBACK.base && cidr.base + cidr.size <= LOOPBACK.base + LOOPBACK.size)) {
        fail(`${what} ${cidr.text} is outside 127.0.0.0/8; the loopback backend can only bind loopback addresses (use e.g. 127.244.0.0/16)`);
      }
    }
  }
  if (cidrsOverlap(clusterCidr, serviceCidr)) {
    fail(`cluster CIDR ${clusterCidr.text} overlaps service CIDR ${serviceCidr.text}; pod IPs and ClusterIPs must not collide`);
  }
  if (!Number.isInteger(nodeSubnetLength) || nodeSubnetLength < clusterCidr.prefixLength || nodeSubnetLength > 30) {
    fail(`node subnet length /${nodeSubnetLength} must be an integer between /${clusterCidr.prefixLength} (the cluster CIDR) and /30`);
  }
  const dnsIp = parseIpv4(clusterDnsIp);
  if (dnsIp === undefined || !cidrContains(serviceCidr, dnsIp)) {
    fail(`cluster DNS IP "${clusterDnsIp}" must be an address inside the service CIDR ${serviceCidr.text}`);
  }
  return { clusterCidr, serviceCidr, nodeSubnetLength, clusterDnsIp, backend };
}
