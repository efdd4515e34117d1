// Backend selection: no url and no dataDir → in-memory; dataDir → in-memory
// with a snapshot + append-only log in that directory; redis://… (or
// unix:///path.sock) → Redis, shared with every process using the same prefix;
// etcd://host:port[,host:port…][?prefix=P] → etcd (every listed member).

import { MeshletError } from '../api/index.ts';
import type { Clock, Store } from '../api/index.ts';
import { openEtcdStore } from './etcd-store.ts';
import type { EtcdStoreOptions } from './etcd-store.ts';
import { openFileStore } from './file-store.ts';
import { MemoryStore } from './memory-store.ts';
import { openRedisStore } from './redis-store.ts';
import type { RedisStoreOptions } from './redis-store.ts';

export interface OpenStoreOptions {
  /** `redis://[user:pass@]host:port[/db]`, `rediss://…` or `etcd://host:port[,host:port…]`; `memory:` is the same as leaving it out. */
  url?: string;
  /** Directory for the file-backed store (created if missing). Ignored with a redis url. */
  dataDir?: string;
  clock?: Clock;
  /** Watch history kept for resuming watches (events; also the Redis stream length). */
  historyLimit?: number;
  /** Redis key namespace (default 'meshlet:'); a `?prefix=` in the url wins. */
  keyPrefix?: string;
}

/** Takes meshlet's own `prefix` query parameter off the url before it reaches the Redis client. */
function redisOptions(url: string, options: OpenStoreOptions): RedisStoreOptions {
  const out: RedisStoreOptions = { url };
  const query = url.indexOf('?');
  if (query >= 0) {
    const params = new URLSearchParams(url.slice(query + 1));
    const prefix = params.get('prefix');
    params.delete('prefix');
    const rest = params.toString();
    out.url = url.slice(0, query) + (rest ? `?${rest}` : '');
    if (prefix !== null) out.keyPrefix = prefix;
  }
  if (out.keyPrefix === undefined && options.keyPrefix !== undefined) out.keyPrefix = options.keyPrefix;
  if (options.clock) out.clock = options.clock;
  if (options.historyLimit !== undefined) out.historyLimit = options.historyLimit;
  return out;
}

/** etcd://h1:p1,h2:p2[?prefix=P]: the members' client endpoints (plain http) and meshlet's key prefix. */
export function etcdOptions(url: string, options: OpenStoreOptions): EtcdStoreOptions {
  const rest = url.slice('etcd://'.length);
  const query = rest.indexOf('?');
  const hosts = (query >= 0 ? rest.slice(0, query) : rest).replace(/\/+$/, '');
  const endpoints = hosts.split(',').map((h) => h.trim()).filter((h) => h !== '');
  const bad = endpoints.find((h) => !/^[^\s/:]+:\d{1,5}$/.test(h));
  if (endpoints.length === 0 || bad !== undefined) {
    throw new MeshletError('MESHLET_STORE_BAD_URL', `control/store: bad etcd url "${url}": ${bad === undefined ? 'no endpoints' : `"${bad}" is not host:port`} (expected etcd://host:port[,host:port…][?prefix=P])`);
  }
  const out: EtcdStoreOptions = { endpoints };
  const prefix = query >= 0 ? new URLSearchParams(rest.slice(query + 1)).get('prefix') : null;
  if (prefix !== null) out.keyPrefix = prefix;
  if (options.clock) out.clock = options.clock;
  if (options.historyLimit !== undefined) out.historyLimit = options.historyLimit;
  return out;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const url = options.url?.trim();
  if (url && url !== 'memory:' && url !== 'memory://') {
    if (/^(redis|rediss|redis\+unix|unix):\/\//.test(url)) return openRedisStore(redisOptions(url, options));
    if (url.startsWith('etcd://')) return openEtcdStore(etcdOptions(url, options));
    throw new MeshletError(
      'MESHLET_STORE_BAD_URL',
      `control/store: unsupported store url "${url}" (expected redis://host:port[/db][?prefix=P], unix:///path/redis.sock, etcd://host:port[,host:port…][?prefix=P] or memory:)`,
    );
  }
  const memoryOptions: { clock?: Clock; historyLimit?: number } = {};
  if (options.clock) memoryOptions.clock = options.clock;
  if (options.historyLimit !== undefined) memoryOptions.historyLimit = options.historyLimit;
  if (options.dataDir) return openFileStore({ dataDir: options.dataDir, ...memoryOptions });
  return new MemoryStore(memoryOptions);
}
