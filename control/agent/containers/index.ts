// control/agent/containers: the node agent's container runtime — containers as
// real process groups, image → program mapping, restart policy, probes, logs.

export type {
  RestartPolicy, ContainerRunSpec, ContainerUsage, PodRunSpec, PodRunEvent, PodRunPhase, PodRunStatus, RunningPod, PodLogOptions, PodLogStreamSource,
  ImageMapEntry, ImageMap, RestartBackoffOptions, PodRuntimeOptions, PodRuntime,
} from './types.ts';
export type { ContainerRuntimeErrorCode, PodLogErrorCode } from './errors.ts';
export { ContainerRuntimeError, PodLogError } from './errors.ts';
export type { ImageMapFile } from './image-map.ts';
export { loadImageMap, imageMapFromEntries, builtinImageMapFile, canonicalImage } from './image-map.ts';
export { createPodRuntime, podLogSource } from './pod-runtime.ts';
export { reapOrphans, reapOrphansSync } from './process-group.ts';
