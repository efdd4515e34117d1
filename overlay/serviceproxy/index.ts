export type { ServiceProxyOptions, ServiceProxy } from './service-proxy.ts';
export { startServiceProxy } from './service-proxy.ts';
export type { Backend } from './backends.ts';
export { BackendPicker, readyBackends, affinityTimeout, DEFAULT_AFFINITY_TIMEOUT_SECONDS } from './backends.ts';
