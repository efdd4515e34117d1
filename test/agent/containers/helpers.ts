// Shared fixtures for the container runtime tests: a temporary run directory,
// a runtime that records every status callback, and condition waits with deadlines.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPodRuntime, imageMapFromEntries } from '../../../control/agent/containers/index.ts';
import { groupHasLiveMembers } from '../../../control/agent/containers/process-group.ts';
import type { ContainerRunSpec, ImageMap, PodRunSpec, PodRunStatus, PodRuntime, PodRuntimeOptions, RunningPod } from '../../../control/agent/containers/index.ts';
import { waitFor as waitUntil } from '../../helpers/wait.ts';

export interface Harness {
  runDir: string;
  runtime: PodRuntime;
  close(): Promise<void>;
}

export function tempRunDir(): string {
  return mkdtempSync(join(tmpdir(), 'meshlet-containers-'));
}

export function harness(options: Partial<PodRuntimeOptions> & { imageMap?: ImageMap } = {}): Harness {
  const runDir = options.runDir ?? tempRunDir();
  const runtime = createPodRuntime({ imageMap: imageMapFromEntries({}), ...options, runDir });
  return {
    runDir,
    runtime,
    async close() {
      await runtime.close();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

export interface WatchedPod {
  pod: RunningPod;
  statuses: PodRunStatus[];
  /** Every event reported so far, in order. */
  events(): { type: string; reason: string; message: string }[];
  latest(): PodRunStatus;
}

let seq = 0;

export function podSpec(containers: ContainerRunSpec[], overrides: Partial<PodRunSpec> = {}): PodRunSpec {
  seq++;
  return {
    uid: `uid-${process.pid}-${seq}`,
    namespace: 'default',
    name: `pod-${seq}`,
    podIp: '127.253.0.2',
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 2,
    containers,
    ...overrides,
  };
}

export function startWatched(runtime: PodRuntime, spec: PodRunSpec): WatchedPod {
  const statuses: PodRunStatus[] = [];
  const pod = runtime.startPod(spec, (s) => statuses.push(s));
  return {
    pod,
    statuses,
    events: () => statuses.flatMap((s) => s.events),
    latest: () => pod.status(),
  };
}

/** Polls `condition` until it returns a truthy value or the deadline passes. */
export function waitFor<T>(what: string, condition: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  return waitUntil(what, condition, { timeoutMs, intervalMs: 20 });
}

export async function collect(stream: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

export function node(script: string, env: Record<string, string> = {}, extra: Partial<ContainerRunSpec> = {}): Omit<ContainerRunSpec, 'name'> {
  return { image: 'meshlet-test/node', command: [process.execPath, '-e', script], env, ...extra };
}

/** A process exists and is not a zombie (a killed process stays a zombie until its parent reaps it). */
/** A container running a /bin/sh script (starts in a millisecond, unlike node). */
export function sh(script: string, env: Record<string, string> = {}, extra: Partial<ContainerRunSpec> = {}): Omit<ContainerRunSpec, 'name'> {
  return { image: 'meshlet-test/sh', command: ['/bin/sh', '-c', script], env, ...extra };
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    if (existsSync('/proc/self')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  return groupHasLiveMembers(pgid);
}

export function pidOf(status: PodRunStatus, container: string): number {
  const id = status.containerStatuses.find((c) => c.name === container)?.containerID ?? '';
  return Number(id.replace('meshlet://', ''));
}
