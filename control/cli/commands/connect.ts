// A Client for the running cluster of this MESHLET_HOME.

import { HttpClient } from '../../client/index.ts';
import { meshletHome, requireRunning } from '../home.ts';
import type { ClusterStateFile } from '../home.ts';

export function connect(): { client: HttpClient; state: ClusterStateFile } {
  const state = requireRunning(meshletHome());
  return { client: new HttpClient({ server: state.apiServer, token: state.token, caData: state.caData }), state };
}
