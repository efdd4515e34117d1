// Time to wire a pod's network (namespace + veth into cni0 + address + routes)
// and to tear it down, median of 20, with overlay/netns. Baseline in the same
// run: a bare `ip netns add` + `ip netns del`, the floor any pod network pays.
// Root only (it creates network namespaces); everything lives under one
// throw-away cluster id and is torn down at the end.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  createNodeNetwork, createPodNetwork, createRouter, removePodNetwork, teardown,
} from '../overlay/netns/index.ts';

const exec = promisify(execFile);
const ROUNDS = 20;

export interface NetnsPodBench {
  createMedianMs: number;
  removeMedianMs: number;
  bareNetnsMedianMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function run(): Promise<NetnsPodBench> {
  if (process.getuid?.() !== 0) throw new Error('bench/netns-pod: needs root (creates network namespaces)');
  const clusterId = `b${randomBytes(4).toString('hex')}`;
  try {
    const router = await createRouter(clusterId, [{ name: 'r1', cidr: '192.168.1.0/24' }]);
    const node = await createNodeNetwork(router, { nodeName: 'node-1', podCidr: '10.244.1.0/24', rack: 'r1', underlayIp: '192.168.1.11' });
    const create: number[] = [];
    const remove: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const pod = { namespace: 'default', name: `p${i}`, ip: `10.244.1.${i + 2}` };
      create.push(await timed(() => createPodNetwork(node, pod)));
      remove.push(await timed(() => removePodNetwork(clusterId, pod)));
      const name = `ml-${clusterId}-bare`;
      bare.push(await timed(async () => {
        await exec('ip', ['netns', 'add', name]);
        await exec('ip', ['netns', 'del', name]);
      }));
    }
    const result = { createMedianMs: median(create), removeMedianMs: median(remove), bareNetnsMedianMs: median(bare) };
    const row = (what: string, ms: number) => `${what.padEnd(52)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / result.bareNetnsMedianMs).toFixed(2)}×`;
    process.stdout.write([
      `${`median of ${ROUNDS}`.padEnd(52)}    time   vs bare netns`,
      row('create pod network (netns + veth + addr + routes)', result.createMedianMs),
      row('remove pod network (ip netns del)', result.removeMedianMs),
      row('baseline: ip netns add + ip netns del', result.bareNetnsMedianMs),
    ].join('\n') + '\n');
    return result;
  } finally {
    await teardown(clusterId);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
