// overlay: IPAM, cluster DNS, the service VIP proxy and pod network setup.
// Imports control/api only; everything else arrives through injected
// interfaces (ClusterCatalog, Store, Clock).

export type { ClusterCatalog } from './catalog.ts';
export { MutableCatalog } from './catalog.ts';
export type { OverlayErrorCode } from './errors.ts';
export { OVERLAY_ERROR_CODES } from './errors.ts';

export type {
  Cidr, NetworkBackend, OverlayConfigInput, OverlayConfig, SubnetLease, SubnetAllocatorOptions, PodIpAllocatorOptions,
  ServiceIpAllocatorOptions, NodePortAllocatorOptions,
} from './ipam/index.ts';
export {
  parseIpv4, formatIpv4, parseCidr, cidrContains, cidrsOverlap, validateOverlayConfig, DEFAULT_CLUSTER_CIDR, DEFAULT_SERVICE_CIDR,
  DEFAULT_NODE_SUBNET_LENGTH, DEFAULT_CLUSTER_DNS_IP, SubnetAllocator, PodIpAllocator, ServiceIpAllocator, NodePortAllocator,
} from './ipam/index.ts';

export type { DnsServerOptions, DnsServer, DnsStats } from './dns/index.ts';
export { startDnsServer, DNS_SCHEMA_VERSION } from './dns/index.ts';

export type { ServiceProxyOptions, ServiceProxy } from './serviceproxy/index.ts';
export { startServiceProxy } from './serviceproxy/index.ts';

export type { PodNetworkEnvOptions, PodNetworkEnv } from './pod/index.ts';
export { podNetworkEnv, dnsSearchPath, withPreload, POD_PRELOAD_PATH } from './pod/index.ts';
