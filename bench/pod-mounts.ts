// What a container's own mount namespace costs: pod create-to-Ready through
// the process runtime for a pod whose container runs in a mount namespace
// (mirrored root, a configMap-like files volume, an emptyDir, its own
// /etc/hosts, resolv.conf and hostname) against the same pod run as a plain
// process (mountNamespaces: off, no volumes), alternating in the same run.
// Ready = the runtime reports ready (no ports declared: ready once spawned),
// and the program's first output line in its log (it runs only once its root
// is assembled: the time the namespace really adds).
//
// Run alone: node --import=tsx bench/pod-mounts.ts

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPodRuntime, imageMapFromEntries, probeMountSupport } from '../control/agent/containers/index.ts';
import type { PodRunSpec, PodRuntime } from '../control/agent/containers/index.ts';

const PODS = Number(process.env['POD_MOUNTS_BENCH_PODS'] ?? 15);

function spec(i: number, isolated: boolean): PodRunSpec {
  return {
    uid: `bench-${i}-${isolated ? 'ns' : 'plain'}`,
    namespace: 'bench',
    name: `pod-${i}`,
    podIp: '127.203.9.2',
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 0,
    containers: [
      {
        name: 'app',
        command: ['/bin/sh', '-c', 'echo up; while true; do sleep 1; done'],
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
        ...(isolated ? { volumeMounts: [{ name: 'config', mountPath: '/etc/config' }, { name: 'cache', mountPath: '/cache' }] } : {}),
      },
    ],
    ...(isolated
      ? {
          volumes: [
            { name: 'config', kind: 'files' as const, files: [{ path: 'key', content: 'value', mode: 0o644 }] },
            { name: 'cache', kind: 'emptyDir' as const },
          ],
          sandbox: { hostname: `pod-${i}`, hosts: '127.0.0.1\tlocalhost\n', resolvConf: 'nameserver 127.96.0.10\n' },
        }
      : {}),
  };
}

async function logged(runtime: PodRuntime, s: PodRunSpec): Promise<boolean> {
  try {
    for await (const chunk of runtime.logs(s.namespace, s.name, {})) if (chunk.includes('up')) return true;
  } catch {
    // not started yet
  }
  return false;
}

async function createToReady(runtime: PodRuntime, s: PodRunSpec): Promise<{ ready: number; running: number }> {
  const started = performance.now();
  let markReady = (): void => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const pod = runtime.startPod(s, (status) => {
    if (status.ready) markReady();
  });
  await ready;
  const readyMs = performance.now() - started;
  while (!(await logged(runtime, s))) await new Promise((resolve) => setTimeout(resolve, 2));
  const runningMs = performance.now() - started;
  await pod.stop({ gracePeriodSeconds: 0, removeLogs: true });
  return { ready: readyMs, running: runningMs };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run(): Promise<void> {
  const support = probeMountSupport();
  if (support.mode === 'none') throw new Error(`bench/pod-mounts: ${support.reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-bench-mounts-'));
  const isolatedRuntime = createPodRuntime({ runDir: join(dir, 'ns'), imageMap: imageMapFromEntries({}) });
  const plainRuntime = createPodRuntime({ runDir: join(dir, 'plain'), imageMap: imageMapFromEntries({}), mountNamespaces: 'off' });
  const isolated: { ready: number; running: number }[] = [];
  const plain: { ready: number; running: number }[] = [];
  try {
    for (let i = 0; i < PODS; i++) {
      plain.push(await createToReady(plainRuntime, spec(i, false)));
      isolated.push(await createToReady(isolatedRuntime, spec(i, true)));
    }
  } finally {
    await isolatedRuntime.close();
    await plainRuntime.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const cols = (v: number[]) => `${percentile(v, 50).toFixed(1).padStart(8)} ${percentile(v, 90).toFixed(1).padStart(8)}`;
  const row = (name: string, v: { ready: number; running: number }[]) => `${name.padEnd(34)} ${cols(v.map((x) => x.ready))} ${cols(v.map((x) => x.running))}`;
  process.stdout.write(`mount namespaces: ${support.mode}; ${PODS} pods each, alternating\n`);
  process.stdout.write(`${'ms'.padEnd(34)} ${'Ready p50'.padStart(8)} ${'p90'.padStart(8)} ${'runs p50'.padStart(8)} ${'p90'.padStart(8)}\n`);
  process.stdout.write(`${row('plain process (baseline)', plain)}\n${row('own mount namespace + 2 volumes', isolated)}\n`);
  const p50 = (v: { running: number }[]) => percentile(v.map((x) => x.running), 50);
  process.stdout.write(`added until the program runs, p50: ${(p50(isolated) - p50(plain)).toFixed(1)} ms (${(p50(isolated) / p50(plain)).toFixed(2)}×)\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
