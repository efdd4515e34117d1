// The contract between the node agent and the container runtime: what the agent
// asks to run (PodRunSpec), what the runtime reports back (PodRunStatus), and
// the handles it gets (RunningPod, PodRuntime).

import type { Clock, ContainerStatus, Lifecycle, Probe } from '../../api/index.ts';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface ContainerRunSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  /** Fully resolved by the node agent (POD_IP, DNS, proxy, preload …); wins over the image's env. */
  env: Record<string, string>;
  workingDir?: string;
  ports?: { containerPort: number; protocol?: string; name?: string }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  /** postStart runs right after the process starts (the container is not Running until it succeeds); preStop before SIGTERM. */
  lifecycle?: Lifecycle;
  /** Where the pod's volumes appear in this container's mount namespace. */
  volumeMounts?: VolumeMountSpec[];
}

export interface VolumeMountSpec {
  /** A name of PodRunSpec.volumes. */
  name: string;
  /** Absolute path inside the container. */
  mountPath: string;
  readOnly?: boolean;
  /** A path inside the volume to mount instead of its root (subPathExpr already expanded by the agent). */
  subPath?: string;
}

/** A file of a configMap, secret, downwardAPI or projected volume, relative to the volume's root. */
export interface VolumeFile {
  path: string;
  content: string | Buffer;
  /** Permission bits (kubelet's default 0644). */
  mode: number;
}

/**
 * A pod volume as the runtime mounts it; the agent has already resolved the
 * objects behind it (configMap, secret, claim → path) and checked hostPath types.
 */
export type PodVolumeSpec =
  /** A per-pod directory shared by its containers; Memory → a tmpfs of at most sizeLimitBytes. */
  | { name: string; kind: 'emptyDir'; medium?: 'Memory'; sizeLimitBytes?: number }
  /** Written as the kubelet's atomic writer does (..<timestamp> dir, ..data symlink, per-entry symlinks); always mounted read-only. */
  | { name: string; kind: 'files'; files: VolumeFile[] }
  /** A directory or file of the host bound as it is (hostPath, a PersistentVolume's path). */
  | { name: string; kind: 'bind'; path: string; readOnly?: boolean };

/** The pod's own /etc files inside its containers' mount namespaces. */
export interface PodSandboxSpec {
  hostname: string;
  /** Text of /etc/hosts. */
  hosts: string;
  /** Text of /etc/resolv.conf. */
  resolvConf: string;
}

export interface PodRunSpec {
  uid: string;
  namespace: string;
  name: string;
  /** The address probes and port readiness checks connect to. */
  podIp: string;
  restartPolicy: RestartPolicy;
  /** Seconds a stop may take, preStop hooks included, before SIGKILL; default 30 as in Kubernetes. */
  terminationGracePeriodSeconds?: number;
  initContainers?: ContainerRunSpec[];
  containers: ContainerRunSpec[];
  volumes?: PodVolumeSpec[];
  /** When given (and the kernel allows mount namespaces), containers see these /etc files and hostname. */
  sandbox?: PodSandboxSpec;
}

export interface PodRunEvent {
  type: 'Normal' | 'Warning';
  /** kubelet's reason names: Pulled, Created, Started, Killing, BackOff, Unhealthy, Failed, … */
  reason: string;
  message: string;
  /** The container the event is about, when there is one (kubelet's fieldPath spec.containers{name}). */
  container?: string;
}

export type PodRunPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface PodRunStatus {
  phase: PodRunPhase;
  /** Every main container is running and ready. */
  ready: boolean;
  /** All init containers completed. */
  initialized: boolean;
  containerStatuses: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  reason?: string;
  message?: string;
  /** Events since the previous onStatus callback (empty in `RunningPod.status()`). */
  events: PodRunEvent[];
}

export interface ContainerUsage {
  name: string;
  /** The container's pid (= its process group id) while it runs. */
  pid?: number;
  processes: number;
  cpuSeconds: number;
  memoryBytes: number;
}

export interface RunningPod {
  readonly uid: string;
  status(): PodRunStatus;
  /** CPU and memory of each running container's process group (Linux /proc; zeros elsewhere). */
  usage(): ContainerUsage[];
  /**
   * SIGTERM every container's process group, SIGKILL after the grace period;
   * resolves when all exited. `removeLogs` (for a deleted pod, as kubelet's
   * garbage collection does) also deletes the pod's log directory and forgets it.
   */
  stop(options?: { gracePeriodSeconds?: number; removeLogs?: boolean }): Promise<void>;
  /**
   * Rewrites a `files` volume in place by an atomic swap of its ..data symlink
   * (a no-op when nothing changed); subPath mounts keep the old files, as in Kubernetes.
   * Returns whether the files changed.
   */
  updateVolume(name: string, files: VolumeFile[]): boolean;
}

export interface PodLogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  previous?: boolean;
  signal?: AbortSignal;
}

/** The shape control/apiserver's PodLogSource expects. */
export interface PodLogStreamSource {
  stream(namespace: string, pod: string, options: PodLogOptions): AsyncIterable<string>;
}

export interface ImageMapEntry {
  /** Absolute path of the program standing in for the image. */
  program: string;
  env?: Record<string, string>;
  /** The image's default CMD; a container's args replace them. */
  args?: string[];
  /** The image's WORKDIR; default: the program's directory. */
  workingDir?: string;
  /** Ports the image listens on; used for readiness when the container declares none. */
  ports?: number[];
}

export interface ImageMap {
  /** The files the map was loaded from, in order (later ones override earlier ones). */
  readonly files: readonly string[];
  /** A user mapping file to name in ImageNotMapped messages. */
  readonly userFile?: string;
  lookup(image: string): ImageMapEntry | undefined;
  readonly size: number;
  /** Every file the map was asked to read, present or not (what a reload watches). */
  readonly sources: readonly string[];
  /** Reads the same files again (maps built from files only). */
  reload?(): ImageMap;
}

/** Per-container CrashLoopBackOff timing; the defaults are kubelet's. */
export interface RestartBackoffOptions {
  /** Delay of the first back-off (the second restart in a row); doubles per further crash. Default 10000 ms. */
  initialMs?: number;
  /** Ceiling for the delay. Default 300000 ms. */
  maxMs?: number;
  /** A container that ran this long since its last restart crashes as if for the first time again. Default 600000 ms. */
  resetAfterMs?: number;
  /**
   * Delay of the first restart in a row, which kubelet makes at once (no CrashLoopBackOff):
   * meshlet waits this long so the terminated state (Error) can be seen, about one kubelet
   * relist period. Default 1000 ms.
   */
  firstRestartMs?: number;
}

export interface PodRuntimeOptions {
  /** Per-cluster directory: logs under runDir/logs, process-group records under runDir/pids. */
  runDir: string;
  imageMap: ImageMap;
  /** Drives restart back-off and its reset window (probes, hooks and grace periods use real time). */
  clock?: Clock;
  restartBackoff?: RestartBackoffOptions;
  /** Multiplies probe initialDelay/period/timeout seconds (e.g. 0.01 for fast tests). Default 1. */
  probeTimeScale?: number;
  /** Interval of the default (port) readiness check, starting value and cap. Default 25 ms, capped at 1000 ms. */
  portReadiness?: { intervalMs?: number; maxIntervalMs?: number };
  /**
   * While a container waits with ImageNotMapped, the map's source files are
   * checked this often and reloaded when they change (so adding the image to the
   * user file starts the pod). Default 2000 ms; 0 turns it off.
   */
  imageMapPollMs?: number;
  /**
   * Per-container mount namespaces (volumes, the pod's /etc files): 'auto' uses them when
   * the kernel allows (probed once), 'off' never (pods with volumes then fail with FailedMount).
   * Default 'auto'.
   */
  mountNamespaces?: 'auto' | 'off';
  /** A container's log file is rotated (copy + truncate to `<container>.log.1`) past this size. Default 10 MiB (kubelet's containerLogMaxSize). */
  logMaxBytes?: number;
}

export interface PodRuntime extends PodLogStreamSource {
  startPod(spec: PodRunSpec, onStatus: (status: PodRunStatus) => void): RunningPod;
  logs(namespace: string, pod: string, options?: PodLogOptions): AsyncIterable<string>;
  /** Replaces the image map; containers waiting with ImageNotMapped are retried against it. */
  setImageMap(imageMap: ImageMap): void;
  /** The running (or last) pod for a namespace/name on this runtime. */
  get(namespace: string, name: string): RunningPod | undefined;
  /** Whether containers get their own mount namespace here, and why not. */
  mountSupport(): MountSupport;
  /** Stops every pod. */
  close(): Promise<void>;
}

/** What the kernel allows for per-container mount namespaces (probed once per process). */
export type MountSupport =
  | {
      mode: 'root' | 'user';
      /** Argv prefix that enters a new mount (and UTS) namespace. */
      unshare: readonly string[];
      /** Absolute paths of the tools that assemble a container's root. */
      tools: { unshare: string; mount: string; hostname: string };
    }
  | { mode: 'none'; reason: string };
