export type { KubeObject, WatchEvent } from '../../control/api/index.ts';
export type { ClusterIpAllocator as ClusterIpAllocatorLike } from '../../control/registry/index.ts';
