export type { PodNetworkEnvOptions, PodNetworkEnv } from './pod-network-env.ts';
export { podNetworkEnv, dnsSearchPath, withPreload, resolvConfText, POD_PRELOAD_PATH, DEFAULT_NDOTS } from './pod-network-env.ts';
