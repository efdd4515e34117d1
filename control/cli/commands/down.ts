// `meshlet down`: stop the cluster of this MESHLET_HOME and make sure no
// container process survives, even if the control plane died hard.

import { reapOrphans } from '../../agent/containers/index.ts';
import { meshletHome, processAlive, readState, removeState, runDir } from '../home.ts';

const STOP_TIMEOUT_MS = 30_000;

export async function downCommand(): Promise<number> {
  const home = meshletHome();
  const state = readState(home);
  if (state && processAlive(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (processAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (processAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  }
  const reaped = await reapOrphans(runDir(home));
  removeState(home);
  if (!state) process.stdout.write(`meshlet: no cluster was running in ${home}${reaped ? `; reaped ${reaped} leftover process group(s)` : ''}\n`);
  else process.stdout.write(`meshlet: cluster stopped${reaped ? ` (reaped ${reaped} leftover process group(s))` : ''}\n`);
  return 0;
}
