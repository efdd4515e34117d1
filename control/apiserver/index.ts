// control/apiserver: serves a Client over the Kubernetes REST API so kubectl
// and @kubernetes/client-node work against meshlet unchanged.

export { startApiServer } from './server.ts';
export type { ApiServer, ApiServerOptions } from './server.ts';
export type { PodLogSource } from './log.ts';
export { kubeconfigFor, mergeKubeconfig } from './kubeconfig.ts';
export { createServingCert } from './serving-cert.ts';
export type { ServingCert } from './serving-cert.ts';
export type { MetricsApiSources } from './metrics-handlers.ts';
export { cpuQuantity, memoryQuantity } from './metrics-handlers.ts';
