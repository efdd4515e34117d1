export type { Cidr } from './cidr.ts';
export { parseIpv4, formatIpv4, parseCidr, cidrContains, cidrsOverlap, subCidr } from './cidr.ts';
export type { NetworkBackend, OverlayConfigInput, OverlayConfig } from './config.ts';
export {
  validateOverlayConfig, DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR, DEFAULT_NODE_SUBNET_LENGTH, DEFAULT_CLUSTER_DNS_IP,
} from './config.ts';
export type { SubnetLease, SubnetLeaseValue, SubnetAllocatorOptions } from './subnet-allocator.ts';
export { SubnetAllocator, SUBNET_KEY_PREFIX } from './subnet-allocator.ts';
export type { PodIpRecord, PodIpAllocatorOptions } from './pod-ip-allocator.ts';
export { PodIpAllocator, POD_IP_KEY_PREFIX } from './pod-ip-allocator.ts';
export type { ServiceIpAllocatorOptions } from './service-ip-allocator.ts';
export { ServiceIpAllocator } from './service-ip-allocator.ts';
export type { NodePortAllocatorOptions } from './node-port-allocator.ts';
export { NodePortAllocator, DEFAULT_NODE_PORT_RANGE } from './node-port-allocator.ts';
