// control/agent/containers: the node agent's container runtime — containers as
// real process groups, image → program mapping, restart policy, probes, logs.

export type {
  RestartPolicy, ContainerRunSpec, ContainerUsage, PodRunSpec, PodRunEvent, PodRunPhase, PodRunStatus, RunningPod, PodLogOptions, PodLogStreamSource,
  ImageMapEntry, ImageMap, RestartBackoffOptions, PodRuntimeOptions, PodRuntime, VolumeMountSpec, VolumeFile, PodVolumeSpec, PodSandboxSpec,
  MountSupport,
} from './types.ts';
export type { ContainerRuntimeErrorCode, PodLogErrorCode } from './errors.ts';
export { ContainerRuntimeError, PodLogError } from './errors.ts';
export type { ImageMapFile } from './image-map.ts';
export { loadImageMap, imageMapFromEntries, builtinImageMapFile, canonicalImage } from './image-map.ts';
export { createPodRuntime, podLogSource } from './pod-runtime.ts';
export { reapOrphans, reapOrphansSync } from './process-group.ts';
export { probeMountSupport } from './mount-support.ts';
export { podDirFor, reapPodDirs } from './pod-volumes.ts';
export { writeAtomically } from './atomic-writer.ts';
