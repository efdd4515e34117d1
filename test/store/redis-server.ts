// Starts a private redis-server on a unix socket for one test file (no TCP
// port) and stops it on close. By default nothing is persisted; `persistent`
// turns on an fsync-always AOF so `crash()` + `start()` keeps the data.

import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signalAndWait, spawnUntilReady } from '../helpers/server-process.ts';

export interface TestRedis {
  url: string;
  socketPath: string;
  /** SIGKILLs the server (clients see the connection drop). */
  crash(): Promise<void>;
  /** Starts it again on the same socket and directory. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function redisServerMissing(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return 'redis-server is not installed; install it with `apt-get install -y redis-server`';
  }
  return undefined;
}

export async function startRedisServer(options: { persistent?: boolean } = {}): Promise<TestRedis> {
  const missing = redisServerMissing();
  if (missing) throw new Error(missing);
  const dir = await mkdtemp(path.join(tmpdir(), 'meshlet-redis-'));
  const socketPath = path.join(dir, 'redis.sock');
  const args = ['--port', '0', '--unixsocket', socketPath, '--unixsocketperm', '700', '--save', '', '--dir', dir];
  args.push(...(options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    child = await spawnUntilReady('redis-server', args, { name: 'redis-server', ready: /ready to accept connections/i, timeoutMs: 10_000 });
  };
  const stop = (signal: NodeJS.Signals): Promise<void> => signalAndWait(child, signal);

  try {
    await launch();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `unix://${socketPath}`,
    socketPath,
    crash: () => stop('SIGKILL'),
    start: launch,
    async close() {
      await stop('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
