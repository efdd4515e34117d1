// Backend selection: no url and no dataDir → in-memory; dataDir → in-memory
// with a snapshot + append-only log in that directory; redis://… → Redis.

import { MeshletError } from '../api/index.ts';
import type { Clock, Store } from '../api/index.ts';
import { openFileStore } from './file-store.ts';
import { MemoryStore } from './memory-store.ts';

export interface OpenStoreOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…`; `memory:` is the same as leaving it out. */
  url?: string;
  /** Directory for the file-backed store (created if missing). Ignored with a redis url. */
  dataDir?: string;
  clock?: Clock;
  /** Watch history kept for resuming watches (memory and file backends). */
  historyLimit?: number;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const url = options.url?.trim();
  if (url && url !== 'memory:' && url !== 'memory://') {
    if (url.startsWith('redis://') || url.startsWith('rediss://') || url.startsWith('redis+unix://')) {
      throw new MeshletError('MESHLET_STORE_UNSUPPORTED', `control/store: the Redis backend is not available yet (url ${url})`);
    }
    throw new MeshletError('MESHLET_STORE_BAD_URL', `control/store: unsupported store url "${url}" (expected redis://host:port or memory:)`);
  }
  const memoryOptions: { clock?: Clock; historyLimit?: number } = {};
  if (options.clock) memoryOptions.clock = options.clock;
  if (options.historyLimit !== undefined) memoryOptions.historyLimit = options.historyLimit;
  if (options.dataDir) return openFileStore({ dataDir: options.dataDir, ...memoryOptions });
  return new MemoryStore(memoryOptions);
}
