// control/agent: the node agent (kubelet). Container processes are run by
// containers/; the agent wires IPs, sidecars and status around them.

export type { PodIpSource, SidecarHandle, NodeAgentOptions } from './node-agent.ts';
export { NodeAgent } from './node-agent.ts';
export { resolveContainerEnv } from './container-env.ts';
export { buildPodStatus } from './pod-status.ts';
export type { NodeLogServer } from './log-server.ts';
export type { ServiceAccountTokenSource } from './volume-sources.ts';
export { resolvePodVolumes, VolumeMountError } from './volume-sources.ts';
export type { ClusterDns } from './pod-sandbox.ts';
export { podSandbox } from './pod-sandbox.ts';
export { startNodeLogServer, KUBELET_PORT, USAGE_PATH } from './log-server.ts';
export type { UsageSubject, UsageSamplerOptions, NodeUsage, NodeUsageReport } from './usage-sampler.ts';
export { UsageSampler, DEFAULT_METRIC_RESOLUTION_MS } from './usage-sampler.ts';
