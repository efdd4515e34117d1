// The node agent's resource usage, as the kubelet's resource metrics endpoint
// feeds metrics-server: every `resolutionMs` it reads each running
// container's cumulative CPU time and resident memory, and reports CPU as the
// rate over the last window (cores = ΔCPU seconds / Δwall seconds) and memory
// as the latest working set (RSS here; cgroups later). A container needs two
// samples before it has a figure, as a pod needs one full window before
// `kubectl top` shows it.

import type { Clock, PodUsageSample, Timer } from '../api/index.ts';
import type { ContainerUsage } from './containers/index.ts';

export interface UsageSubject {
  namespace: string;
  name: string;
  uid: string;
  containers(): ContainerUsage[];
}

export interface UsageSamplerOptions {
  nodeName: string;
  clock: Clock;
  /** metrics-server's --metric-resolution; default 15 s. */
  resolutionMs?: number;
  subjects(): UsageSubject[];
}

interface Point {
  atMs: number;
  pid: number | undefined;
  cpuSeconds: number;
  memoryBytes: number;
}

interface ContainerTrack {
  previous: Point | undefined;
  latest: Point;
}

export const DEFAULT_METRIC_RESOLUTION_MS = 15_000;

export type NodeUsage = NonNullable<ReturnType<UsageSampler['nodeUsage']>>;

/** What a node serves at /stats/usage. */
export interface NodeUsageReport {
  node: NodeUsage | undefined;
  pods: PodUsageSample[];
}

export class UsageSampler {
  private readonly options: UsageSamplerOptions;
  private readonly resolutionMs: number;
  /** pod uid → container name → track */
  private readonly tracks = new Map<string, { namespace: string; name: string; containers: Map<string, ContainerTrack> }>();
  private timer: Timer | undefined;
  private stopped = false;
  /** Times of the last two samples: the node's window. */
  private sampleTimes: number[] = [];

  constructor(options: UsageSamplerOptions) {
    this.options = options;
    this.resolutionMs = options.resolutionMs ?? DEFAULT_METRIC_RESOLUTION_MS;
  }

  get nodeName(): string {
    return this.options.nodeName;
  }

  start(): void {
    this.sample();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(this.resolutionMs, () => {
      this.sample();
      this.schedule();
    });
  }

  /** Takes one sample of every running container (also called by tests driving a ManualClock). */
  sample(): void {
    const now = this.options.clock.now();
    this.sampleTimes = [...this.sampleTimes, now].slice(-2);
    const seen = new Set<string>();
    for (const subject of this.options.subjects()) {
      seen.add(subject.uid);
      let pod = this.tracks.get(subject.uid);
      if (!pod) {
        pod = { namespace: subject.namespace, name: subject.name, containers: new Map() };
        this.tracks.set(subject.uid, pod);
      }
      const live = new Set<string>();
      for (const c of subject.containers()) {
        live.add(c.name);
        const point: Point = { atMs: now, pid: c.pid, cpuSeconds: c.cpuSeconds, memoryBytes: c.memoryBytes };
        const track = pod.containers.get(c.name);
        // A restarted container is a new process group: its CPU time starts again from zero.
        const continues = track && track.latest.pid === c.pid && track.latest.atMs < now;
        pod.containers.set(c.name, { previous: continues ? track.latest : undefined, latest: point });
      }
      for (const name of [...pod.containers.keys()]) if (!live.has(name)) pod.containers.delete(name);
    }
    for (const uid of [...this.tracks.keys()]) if (!seen.has(uid)) this.tracks.delete(uid);
  }

  /** Pods whose every container has a full window. */
  podUsage(): PodUsageSample[] {
    const out: PodUsageSample[] = [];
    for (const pod of this.tracks.values()) {
      const tracks = [...pod.containers.entries()];
      if (tracks.length === 0 || tracks.some(([, t]) => !t.previous)) continue;
      const timestampMs = Math.max(...tracks.map(([, t]) => t.latest.atMs));
      const windowMs = Math.max(...tracks.map(([, t]) => t.latest.atMs - t.previous!.atMs));
      out.push({
        namespace: pod.namespace,
        name: pod.name,
        nodeName: this.options.nodeName,
        timestampMs,
        windowMs,
        containers: tracks.map(([name, t]) => ({
          name,
          cpuCores: Math.max(0, (t.latest.cpuSeconds - t.previous!.cpuSeconds) / ((t.latest.atMs - t.previous!.atMs) / 1000)),
          memoryBytes: t.latest.memoryBytes,
        })),
      });
    }
    return out;
  }

  /** The node's total over its pods' containers, once two samples were taken (a node with no pods reports 0). */
  nodeUsage(): { nodeName: string; timestampMs: number; windowMs: number; cpuCores: number; memoryBytes: number } | undefined {
    const [first, last] = this.sampleTimes;
    if (first === undefined || last === undefined) return undefined;
    const pods = this.podUsage();
    const sum = (pick: (c: { cpuCores: number; memoryBytes: number }) => number) => pods.reduce((n, p) => n + p.containers.reduce((m, c) => m + pick(c), 0), 0);
    return { nodeName: this.options.nodeName, timestampMs: last, windowMs: last - first, cpuCores: sum((c) => c.cpuCores), memoryBytes: sum((c) => c.memoryBytes) };
  }

  report(): NodeUsageReport {
    return { node: this.nodeUsage(), pods: this.podUsage() };
  }
}
