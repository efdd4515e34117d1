// control/registry: Kubernetes object semantics over the Store — the
// in-process Client. Validation, defaulting and patching live in
// validation/ and patch/.

export type { ClusterIpAllocator, NodePortAllocator, RegistryOptions } from './registry.ts';
export { needsNodePorts } from './service-allocations.ts';
export { Registry, createRegistry, SYSTEM_NAMESPACES } from './registry.ts';
export { admitPodPriority, ensureSystemPriorityClasses } from './priority-admission.ts';
export type { FieldRequirement, ObjectFilter } from './selectors.ts';
export { parseFieldSelector, matchesFields, compileFilter, matchesFilter } from './selectors.ts';
export type { EvictOptions } from './eviction.ts';
export { evictPod, EVICTION_VIOLATES_BUDGET } from './eviction.ts';
