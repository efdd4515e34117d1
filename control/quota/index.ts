// control/quota: how Kubernetes counts objects against a ResourceQuota —
// exact quantities, per-kind usage (the quota evaluators) and scopes. Shared
// by the ResourceQuota admission plugin (control/registry/admission) and the
// quota controller (control/controllers/resource-quota.ts). Imports control/api only.

export type { Quantity, QuantityFormat } from './quantity.ts';
export { ZERO, add, compare, formatQuantity, parseQuantity, ratio } from './quantity.ts';
export type { Usage } from './usage.ts';
export { containerUsageKeys, isTerminalPod, podInScope, podResources, scopeAllows, usageOf } from './usage.ts';
export { CONTAINER_REQUIRED, coveredResources, quotaSelects } from './scopes.ts';
