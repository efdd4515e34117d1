// The underlay: a router namespace with one bridge per rack (the rack's switch)
// carrying the rack's gateway address, and forwarding on between them. Node
// namespaces plug their underlay veth into their rack's bridge. The router has
// routes only for the racks it is connected to: nothing leads off the machine.

import { cidrsOverlap, formatIpv4, type Cidr } from '../ipam/index.ts';
import { gatewayOf, parseNetnsCidr } from './addresses.ts';
import { NETNS_ERROR_CODES, netnsError } from './errors.ts';
import { ip, ipBatch, setSysctl } from './ip.ts';
import { rackBridgeName, routerNetnsName } from './names.ts';

export interface RackSpec {
  /** 1-10 characters of [a-z0-9], e.g. `r1`. */
  name: string;
  /** The rack's underlay subnet, e.g. 192.168.1.0/24; its .1 is the router's address on it. */
  cidr: string;
}

export interface Rack {
  name: string;
  cidr: string;
  prefixLength: number;
  gateway: string;
  /** Bridge in the router namespace that the rack's nodes plug into. */
  bridge: string;
}

export interface Router {
  clusterId: string;
  netns: string;
  racks: readonly Rack[];
}

export async function createRouter(clusterId: string, racks: readonly RackSpec[]): Promise<Router> {
  const netns = routerNetnsName(clusterId);
  const seen = new Set<string>();
  const cidrs: Cidr[] = [];
  const parsed = racks.map((spec, i): Rack => {
    const bridge = rackBridgeName(spec.name);
    if (seen.has(spec.name)) throw netnsError(NETNS_ERROR_CODES.input, `overlay/netns: racks[${i}].name "${spec.name}" is duplicated`);
    seen.add(spec.name);
    const cidr = parseNetnsCidr(spec.cidr, `racks[${i}].cidr`);
    const clash = cidrs.findIndex((other) => cidrsOverlap(other, cidr));
    if (clash >= 0) throw netnsError(NETNS_ERROR_CODES.input, `overlay/netns: racks[${i}].cidr "${spec.cidr}" overlaps racks[${clash}].cidr "${racks[clash]!.cidr}"`);
    cidrs.push(cidr);
    return { name: spec.name, cidr: `${formatIpv4(cidr.base)}/${cidr.prefixLength}`, prefixLength: cidr.prefixLength, gateway: gatewayOf(cidr), bridge };
  });
  if (parsed.length === 0) throw netnsError(NETNS_ERROR_CODES.input, 'overlay/netns: racks must name at least one rack');
  await ip(undefined, ['netns', 'add', netns]);
  try {
    const lines = ['link set lo up'];
    for (const rack of parsed) {
      lines.push(`link add ${rack.bridge} type bridge`, `addr add ${rack.gateway}/${rack.prefixLength} dev ${rack.bridge}`, `link set ${rack.bridge} up`);
    }
    await ipBatch(netns, lines);
    await setSysctl(netns, 'net.ipv4.ip_forward', '1');
  } catch (err) {
    await ip(undefined, ['netns', 'del', netns]).catch(() => undefined);
    throw err;
  }
  return { clusterId, netns, racks: parsed };
}
