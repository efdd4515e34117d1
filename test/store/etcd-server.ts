// Starts a private etcd (Debian's etcd-server) for one test file: one member
// or a cluster of several, every client and peer URL on 127.0.0.1 with ports
// picked free by the kernel, each member's data in a temp directory removed
// at close. Members can be killed (-9), paused (SIGSTOP) and started again.

import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signalAndWait, spawnUntilReady } from '../helpers/server-process.ts';

export interface EtcdMember {
  name: string;
  /** 127.0.0.1:port of its client URL. */
  endpoint: string;
  pid(): number | undefined;
  /** SIGKILL: no shutdown, its peers see the connection drop. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data directory. */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: the process stays, but answers nobody. */
  pause(): void;
  resume(): void;
}

export interface TestEtcd {
  members: EtcdMember[];
  /** All members' client endpoints, for a store url or a client. */
  endpoints: string[];
  /** `etcd://h:p,h:p,...` */
  url: string;
  close(): Promise<void>;
}

export function etcdServerMissing(): string | undefined {
  const probe = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return 'etcd is not installed; install it with `apt-get install -y etcd-server`';
  return undefined;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startEtcd(options: { members?: number } = {}): Promise<TestEtcd> {
  const missing = etcdServerMissing();
  if (missing) throw new Error(missing);
  const count = options.members ?? 1;
  const root = await mkdtemp(path.join(tmpdir(), 'meshlet-etcd-'));
  const specs = [];
  for (let i = 0; i < count; i++) specs.push({ name: `m${i}`, client: await freeLoopbackPort(), peer: await freeLoopbackPort() });
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peer}`).join(',');
  const token = path.basename(root);

  const members = specs.map((spec): EtcdMember & { stop(): Promise<void> } => {
    let child: ChildProcess | undefined;
    const dataDir = path.join(root, spec.name);
    const args = [
      `--name=${spec.name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=http://127.0.0.1:${spec.client}`,
      `--advertise-client-urls=http://127.0.0.1:${spec.client}`,
      `--listen-peer-urls=http://127.0.0.1:${spec.peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${spec.peer}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-token=${token}`,
      '--initial-cluster-state=new',
    ];
    const launch = async (): Promise<void> => {
      child = await spawnUntilReady('etcd', args, { name: `etcd ${spec.name}`, ready: /ready to serve client requests/i, timeoutMs: 30_000 });
    };
    const signal = (sig: NodeJS.Signals): Promise<void> => signalAndWait(child, sig);
    return {
      name: spec.name,
      endpoint: `127.0.0.1:${spec.client}`,
      pid: () => child?.pid,
      kill: () => signal('SIGKILL'),
      stop: () => signal('SIGTERM'),
      start: launch,
      pause: () => void child?.kill('SIGSTOP'),
      resume: () => void child?.kill('SIGCONT'),
    };
  });

  try {
    // Members of a new cluster only become ready together (each waits for a quorum).
    await Promise.all(members.map((m) => m.start()));
  } catch (err) {
    await Promise.all(members.map((m) => m.kill()));
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  const endpoints = members.map((m) => m.endpoint);
  return {
    members,
    endpoints,
    url: `etcd://${endpoints.join(',')}`,
    async close() {
      await Promise.all(members.map((m) => m.stop()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Runs etcdctl (v3 API) against the endpoints; returns its stdout, throws with its stderr. */
export function etcdctl(endpoints: string[], args: string[]): string {
  const full = [`--endpoints=${endpoints.join(',')}`, ...args];
  const out = spawnSync('etcdctl', full, { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  if (out.status !== 0) throw new Error(`etcdctl ${full.join(' ')} failed: ${out.stderr}`);
  return out.stdout;
}

export interface EtcdctlKv {
  key: string;
  value: string;
  mod_revision: number;
  create_revision: number;
}

/** Reads keys with etcdctl, the way an operator would look into the cluster. */
export function etcdctlGet(endpoints: string[], key: string, prefix = false): EtcdctlKv[] {
  const parsed = JSON.parse(etcdctl(endpoints, ['get', key, '-w', 'json', ...(prefix ? ['--prefix'] : [])])) as { kvs?: EtcdctlKv[] };
  return (parsed.kvs ?? []).map((kv) => ({ ...kv, key: Buffer.from(kv.key, 'base64').toString(), value: Buffer.from(kv.value, 'base64').toString() }));
}
