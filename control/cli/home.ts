// MESHLET_HOME: where a running cluster leaves what other commands need
// (cluster.json with its addresses and token, the kubeconfig, logs).

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { MeshletError } from '../api/index.ts';

export interface ClusterStateFile {
  pid: number;
  home: string;
  apiServer: string;
  token: string;
  caData: string;
  kubeconfig: string;
  ingress: string;
  /** Gateway TCP server port → local port (Istio's 31400 for TCP routes). */
  ingressTcp?: Record<string, number>;
  /** Set when Bookinfo was applied at start. */
  productPage?: string;
  dashboard: string;
  dns: { host: string; port: number };
  nodes: { name: string; podCidr: string; address: string }[];
  clusterCidr: string;
  serviceCidr: string;
  startedAt: string;
}

export function meshletHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = resolve(env.MESHLET_HOME || join(homedir(), '.meshlet'));
  mkdirSync(home, { recursive: true });
  return home;
}

export const stateFile = (home: string) => join(home, 'cluster.json');
export const nodeStateFile = (home: string) => join(home, 'node.json');
export const logFile = (home: string) => join(home, 'meshlet.log');
export const runDir = (home: string) => join(home, 'run');

export function readState(home: string): ClusterStateFile | undefined {
  const file = stateFile(home);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClusterStateFile;
  } catch {
    return undefined;
  }
}

export function writeState(home: string, state: ClusterStateFile): void {
  const tmp = `${stateFile(home)}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
  renameSync(tmp, stateFile(home));
}

export function removeState(home: string): void {
  rmSync(stateFile(home), { force: true });
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running cluster of this home, or a clear error saying how to start one. */
export function requireRunning(home: string): ClusterStateFile {
  const state = readState(home);
  if (!state || !processAlive(state.pid)) {
    throw new MeshletError('MESHLET_NOT_RUNNING', `no meshlet cluster is running in ${home}; start one with "meshlet up" (or set MESHLET_HOME)`);
  }
  return state;
}

/** A node agent started with `meshlet node join` from this home. */
export interface NodeStateFile {
  pid: number;
  name: string;
  store: string;
  podCidr: string;
}

export function readNodeState(home: string): NodeStateFile | undefined {
  try {
    return JSON.parse(readFileSync(nodeStateFile(home), 'utf8')) as NodeStateFile;
  } catch {
    return undefined;
  }
}

export function writeNodeState(home: string, state: NodeStateFile): void {
  writeFileSync(nodeStateFile(home), JSON.stringify(state, null, 2), { mode: 0o600 });
}

export function removeNodeState(home: string): void {
  rmSync(nodeStateFile(home), { force: true });
}
