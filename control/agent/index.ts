// control/agent: the node agent (kubelet). Container processes are run by
// containers/; the agent wires IPs, sidecars and status around them.

export type { PodIpSource, SidecarHandle, NodeAgentOptions } from './node-agent.ts';
export { NodeAgent } from './node-agent.ts';
export { resolveContainerEnv } from './container-env.ts';
export { buildPodStatus } from './pod-status.ts';
export type { NodeLogServer } from './log-server.ts';
export { startNodeLogServer, KUBELET_PORT } from './log-server.ts';
export type { ServiceAccountTokenSource } from './volume-sources.ts';
export { resolvePodVolumes, VolumeMountError } from './volume-sources.ts';
export type { ClusterDns } from './pod-sandbox.ts';
export { podSandbox } from './pod-sandbox.ts';
