// Removes everything a cluster created, found by name prefix in /run/netns, so
// it works from a fresh process after the creator was SIGKILLed. Processes
// still inside a namespace would keep it (and its links) alive after its name
// is gone, so they are killed first. Pods go before nodes, nodes before the
// router; the order only keeps the kernel from tearing veths down twice.

import { readdir } from 'node:fs/promises';
import { ip } from './ip.ts';
import { clusterPrefix, routerNetnsName } from './names.ts';

const NETNS_DIR = '/run/netns';

export async function clusterNetnsNames(clusterId: string): Promise<string[]> {
  const prefix = clusterPrefix(clusterId);
  let entries: string[];
  try {
    entries = await readdir(NETNS_DIR);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries.filter((name) => name.startsWith(prefix)).sort();
}

function teardownRank(clusterId: string, name: string): number {
  const prefix = clusterPrefix(clusterId);
  if (name.startsWith(`${prefix}pod-`)) return 0;
  if (name === routerNetnsName(clusterId)) return 2;
  return 1;
}

export interface TeardownResult {
  namespaces: string[];
  killedPids: number[];
}

// A SIGKILLed builder can leave an `ip netns add` in flight that lands after the
// first listing, so teardown lists again until a pass finds nothing.
const MAX_PASSES = 5;

export async function teardown(clusterId: string): Promise<TeardownResult> {
  const result: TeardownResult = { namespaces: [], killedPids: [] };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const names = await clusterNetnsNames(clusterId);
    if (names.length === 0) break;
    const removed = await removeNamespaces(clusterId, names);
    result.namespaces.push(...removed.namespaces);
    result.killedPids.push(...removed.killedPids);
  }
  return result;
}

async function removeNamespaces(clusterId: string, found: string[]): Promise<TeardownResult> {
  const names = [...found].sort((a, b) => teardownRank(clusterId, a) - teardownRank(clusterId, b));
  const killedPids: number[] = [];
  for (const name of names) {
    const { stdout } = await ip(undefined, ['netns', 'pids', name]);
    for (const pid of stdout.split('\n').filter((line) => /^\d+$/.test(line.trim())).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
        killedPids.push(pid);
      } catch {
        // it exited between listing and killing
      }
    }
    await ip(undefined, ['netns', 'del', name]).catch(async (err: unknown) => {
      // Another teardown of the same cluster got there first: the goal is reached.
      if ((await clusterNetnsNames(clusterId)).includes(name)) throw err;
    });
  }
  return { namespaces: names, killedPids };
}
