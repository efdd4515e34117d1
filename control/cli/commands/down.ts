// `meshlet down`: stop the cluster of this MESHLET_HOME and make sure no
// container process survives, even if the control plane died hard.

import { reapOrphans } from '../../agent/containers/index.ts';
import type { CommandSpec } from '../args.ts';
import { meshletHome, processAlive, readNodeState, readState, removeNodeState, removeState, runDir } from '../home.ts';

const STOP_TIMEOUT_MS = 30_000;

export const downCommand: CommandSpec = {
  name: 'down',
  summary: 'stop the cluster, or the node this home joined; no process is left behind',
  run: stopCluster,
};

async function stopCluster(): Promise<number> {
  const home = meshletHome();
  const state = readState(home);
  const node = readNodeState(home);
  if (state) await stopProcess(state.pid);
  if (node) await stopProcess(node.pid);
  const reaped = await reapOrphans(runDir(home));
  removeState(home);
  removeNodeState(home);
  const leftovers = reaped ? ` (reaped ${reaped} leftover process group(s))` : '';
  if (state) process.stdout.write(`meshlet: cluster stopped${leftovers}\n`);
  else if (node) process.stdout.write(`meshlet: node ${node.name} stopped${leftovers}\n`);
  else process.stdout.write(`meshlet: no cluster was running in ${home}${leftovers}\n`);
  return 0;
}

/** SIGTERM, then SIGKILL if it is still alive after the deadline. */
async function stopProcess(pid: number): Promise<void> {
  if (!processAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}
