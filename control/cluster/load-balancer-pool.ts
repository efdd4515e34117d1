// The addresses LoadBalancer Services are given (MetalLB's IPAddressPool):
// a loopback range apart from the pod and service ranges, so an ingress IP
// never shadows a pod or a ClusterIP.

import { MeshletError } from '../api/index.ts';
import { cidrsOverlap, formatIpv4, parseCidr } from '../../overlay/ipam/index.ts';
import type { OverlayConfig } from '../../overlay/ipam/index.ts';

export const DEFAULT_LOAD_BALANCER_CIDR = '127.200.0.0/24';
/** More would only make a list nobody reads: MetalLB pools are small too. */
const MAX_POOL_SIZE = 1024;

export function loadBalancerPool(cidrText: string | undefined, overlay: OverlayConfig): { cidr: string; addresses: string[] } {
  const text = cidrText ?? DEFAULT_LOAD_BALANCER_CIDR;
  const cidr = parseCidr(text, 'load balancer CIDR');
  const fail = (why: string) => new MeshletError('MESHLET_OVERLAY_CONFIG', `control/cluster: load balancer CIDR ${text} ${why}`);
  if (cidr.base >>> 24 !== 127) throw fail('must be inside 127.0.0.0/8');
  if (cidrsOverlap(cidr, overlay.clusterCidr)) throw fail(`overlaps the cluster CIDR ${overlay.clusterCidr.text}`);
  if (cidrsOverlap(cidr, overlay.serviceCidr)) throw fail(`overlaps the service CIDR ${overlay.serviceCidr.text}`);
  const addresses: string[] = [];
  // Skip the network and broadcast addresses, as the ClusterIP allocator does.
  for (let ip = cidr.base + 1; ip < cidr.base + cidr.size - 1 && addresses.length < MAX_POOL_SIZE; ip++) addresses.push(formatIpv4(ip));
  return { cidr: cidr.text, addresses };
}
