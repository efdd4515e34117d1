// A container runtime (one per meshlet process is enough: pods are keyed by
// namespace/name): starts pods (PodRunner), serves their logs (the API
// server's PodLogSource shape) and stops everything on close.

import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../api/index.ts';
import { ContainerRuntimeError, PodLogError } from './errors.ts';
import { containerLogPath, readLogFile } from './log-files.ts';
import type { ReadLogOptions } from './log-files.ts';
import { PodRunner } from './pod-runner.ts';
import { probeMountSupport } from './mount-support.ts';
import type { ContainerSlot } from './container-slot.ts';
import type { ImageMap, MountSupport, PodLogOptions, PodLogStreamSource, PodRunSpec, PodRunStatus, PodRuntime, PodRuntimeOptions, RunningPod } from './types.ts';

/** How often log sizes are sampled (sinceSeconds precision) and checked for rotation. */
const SAMPLE_INTERVAL_MS = 1000;
const FOLLOW_POLL_MS = 100;

export function createPodRuntime(options: PodRuntimeOptions): PodRuntime {
  const clock = options.clock ?? systemClock;
  const pidDir = join(options.runDir, 'pids');
  /** Latest pod per namespace/name (kept after it stopped so its logs stay readable). */
  const byName = new Map<string, { runner: PodRunner; handle: RunningPod }>();
  const live = new Set<PodRunner>();
  let closed = false;
  let sampler: NodeJS.Timeout | undefined;

  const logMaxBytes = options.logMaxBytes ?? 10 * 1024 * 1024;
  const sampleLogs = (): void => {
    const now = Date.now();
    for (const runner of live) {
      for (const slot of [...runner.initSlots, ...runner.mainSlots]) {
        if (!slot.log.running) continue;
        try {
          slot.log.rotateIfLarger(logMaxBytes);
        } catch {
          // Rotation is best effort (a full disk must not stop the pod); the next tick retries.
        }
        slot.log.sample(now);
      }
    }
  };

  let imageMap = options.imageMap;
  const imageWatch = watchImageMap(options.imageMapPollMs ?? 2000, () => imageMap, () => [...live].some((r) => r.waitsForImage), (next) => setImageMap(next));

  function setImageMap(next: ImageMap): void {
    imageMap = next;
    for (const runner of live) if (runner.waitsForImage) runner.retryImageNotMapped();
  }

  const mountSupport: MountSupport = options.mountNamespaces === 'off' ? { mode: 'none', reason: 'mount namespaces are turned off (mountNamespaces: off)' } : probeMountSupport();
  const runnerOptions = {
    mountSupport,
    runDir: options.runDir,
    pidDir,
    imageMap: () => imageMap,
    clock,
    restartBackoff: options.restartBackoff ?? {},
    probeTimeScale: options.probeTimeScale !== undefined && options.probeTimeScale > 0 ? options.probeTimeScale : 1,
    portReadiness: { intervalMs: options.portReadiness?.intervalMs ?? 25, maxIntervalMs: options.portReadiness?.maxIntervalMs ?? 1000 },
  };

  function startPod(spec: PodRunSpec, onStatus: (status: PodRunStatus) => void): RunningPod {
    if (closed) throw new ContainerRuntimeError('MESHLET_RUNTIME_CLOSED', `agent/containers: runtime is closed; cannot start pod ${spec.namespace}/${spec.name}`);
    const runner = new PodRunner(spec, runnerOptions, onStatus);
    live.add(runner);
    if (!sampler) {
      sampler = setInterval(sampleLogs, SAMPLE_INTERVAL_MS);
      sampler.unref();
    }
    imageWatch.start();
    const handle: RunningPod = {
      uid: runner.uid,
      status: () => runner.status(),
      usage: () => runner.usage(),
      updateVolume: (name, files) => runner.updateVolume(name, files),
      stop: async (stopOptions = {}) => {
        await runner.stop(stopOptions);
        live.delete(runner);
        if (!stopOptions.removeLogs) return;
        const key = `${spec.namespace}/${spec.name}`;
        if (byName.get(key)?.runner === runner) byName.delete(key);
        await rm(runner.logDir, { recursive: true, force: true });
      },
    };
    byName.set(`${spec.namespace}/${spec.name}`, { runner, handle });
    runner.start();
    return handle;
  }

  function logs(namespace: string, pod: string, logOptions: PodLogOptions = {}): AsyncIterable<string> {
    const runner = byName.get(`${namespace}/${pod}`)?.runner;
    return (async function* () {
      yield* runner ? runnerLogs(runner, pod, logOptions) : diskLogs(options.runDir, namespace, pod, logOptions);
    })();
  }

  async function close(): Promise<void> {
    closed = true;
    imageWatch.stop();
    clearInterval(sampler);
    sampler = undefined;
    await Promise.all([...live].map((r) => r.stop()));
    live.clear();
  }

  return {
    startPod,
    logs,
    stream: logs,
    setImageMap,
    mountSupport: () => mountSupport,
    get: (namespace, name) => byName.get(`${namespace}/${name}`)?.handle,
    close,
  };
}

/**
 * Polls the image map's source files (size and mtime) while some container
 * waits for an unmapped image, and hands a reloaded map over when they change.
 * A file that fails to parse keeps the previous map until it is fixed.
 */
function watchImageMap(
  intervalMs: number,
  current: () => ImageMap,
  needed: () => boolean,
  apply: (next: ImageMap) => void,
): { start(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  // The files' state when the current map was read (or handed over), to compare against.
  let baseline: { map: ImageMap; signature: string } | undefined;
  const signature = (files: readonly string[]): string =>
    files
      .map((f) => {
        try {
          const st = statSync(f);
          return `${f}:${st.size}:${st.mtimeMs}`;
        } catch {
          return `${f}:-`;
        }
      })
      .join('|');
  const track = (map: ImageMap): void => {
    baseline = { map, signature: signature(map.sources) };
  };
  const tick = (): void => {
    const map = current();
    if (baseline?.map !== map) track(map);
    if (!map.reload || map.sources.length === 0 || !needed()) return;
    const now = signature(map.sources);
    if (now === baseline?.signature) return;
    baseline = { map, signature: now };
    try {
      const next = map.reload();
      baseline = { map: next, signature: now };
      apply(next);
    } catch {
      // An invalid edit keeps the previous map; the next change is tried again.
    }
  };
  if (intervalMs > 0) track(current());
  return {
    start() {
      if (timer || intervalMs <= 0) return;
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** An adapter for control/apiserver's PodLogSource. */
export function podLogSource(runtime: Pick<PodRuntime, 'logs'>): PodLogStreamSource {
  return { stream: (namespace, pod, options) => runtime.logs(namespace, pod, options) };
}

function containerNameRequired(pod: string, main: string[], init: string[]): PodLogError {
  const initPart = init.length > 0 ? ` or one of the init containers: [${init.join(' ')}]` : '';
  return new PodLogError('MESHLET_LOGS_CONTAINER_NAME_REQUIRED', `a container name must be specified for pod ${pod}, choose one of: [${main.join(' ')}]${initPart}`);
}

function pickSlot(runner: PodRunner, pod: string, container: string | undefined): ContainerSlot {
  if (container === undefined) {
    if (runner.mainSlots.length !== 1) {
      throw containerNameRequired(pod, runner.mainSlots.map((s) => s.name), runner.initSlots.map((s) => s.name));
    }
    return runner.mainSlots[0]!;
  }
  const slot = runner.slot(container);
  if (!slot) throw new PodLogError('MESHLET_LOGS_CONTAINER_NOT_FOUND', `container ${container} is not valid for pod ${pod}`);
  return slot;
}

function runnerLogs(runner: PodRunner, pod: string, options: PodLogOptions): AsyncIterable<string> {
  const slot = pickSlot(runner, pod, options.container);
  const instances = slot.log.instances;
  const instance = instances[instances.length - (options.previous ? 2 : 1)];
  if (!instance && options.previous) {
    throw new PodLogError('MESHLET_LOGS_PREVIOUS_NOT_FOUND', `previous terminated container "${slot.name}" in pod "${pod}" not found`);
  }
  if (!instance) {
    const waiting = slot.state.waiting?.reason ?? 'ContainerCreating';
    throw new PodLogError('MESHLET_LOGS_CONTAINER_WAITING', `container "${slot.name}" in pod "${pod}" is waiting to start: ${waiting}`);
  }
  // The end of the previous instance is fixed; the current one is read to the end of the file.
  const read: ReadLogOptions = {
    start: slot.log.physical(instance.start),
    ...(options.previous && instance.end !== undefined ? { end: slot.log.physical(instance.end) } : {}),
    follow: options.follow === true && !options.previous,
    isFinished: () => runner.finished,
    pollMs: FOLLOW_POLL_MS,
    ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  if (options.sinceSeconds !== undefined) {
    const cutoff = Date.now() - options.sinceSeconds * 1000;
    read.notBefore = slot.log.physical(slot.log.offsetAt(cutoff, instance.start));
  }
  return readLogFile(slot.log.path, read);
}

/** Logs of a pod this runtime does not know (e.g. after a restart of meshlet): the newest log directory for it. */
function diskLogs(runDir: string, namespace: string, pod: string, options: PodLogOptions): AsyncIterable<string> {
  const root = join(runDir, 'logs');
  const prefix = `${namespace}_${pod}_`;
  let newest: { dir: string; mtime: number } | undefined;
  let names: string[] = [];
  try {
    names = readdirSync(root).filter((n) => n.startsWith(prefix) && !n.slice(prefix.length).includes('_'));
  } catch {
    // No logs directory yet.
  }
  for (const name of names) {
    const dir = join(root, name);
    const mtime = statSync(dir).mtimeMs;
    if (!newest || mtime > newest.mtime) newest = { dir, mtime };
  }
  if (!newest) throw new PodLogError('MESHLET_LOGS_POD_NOT_FOUND', `agent/containers: no logs for pod ${namespace}/${pod} on this node`);
  const containers = readdirSync(newest.dir).filter((n) => n.endsWith('.log')).map((n) => n.slice(0, -'.log'.length));
  let container = options.container;
  if (container === undefined) {
    if (containers.length !== 1) throw containerNameRequired(pod, containers, []);
    container = containers[0]!;
  } else if (!containers.includes(container)) {
    throw new PodLogError('MESHLET_LOGS_CONTAINER_NOT_FOUND', `container ${container} is not valid for pod ${pod}`);
  }
  if (options.previous) throw new PodLogError('MESHLET_LOGS_PREVIOUS_NOT_FOUND', `previous terminated container "${container}" in pod "${pod}" not found`);
  return readLogFile(containerLogPath(newest.dir, container), {
    start: 0,
    ...(options.tailLines !== undefined ? { tailLines: options.tailLines } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
