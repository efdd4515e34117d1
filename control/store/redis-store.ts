// The Redis backend: cluster state shared by every meshlet process pointed at
// the same Redis and key prefix. Writes are Lua scripts (redis-scripts.ts), so
// all processes see one revision sequence and CAS is exact; watches tail the
// event stream (redis-watch.ts).
//
// Differences from the in-process store, by design:
// - Lease TTLs run on Redis's clock (PEXPIRE); a reaper in every process
//   deletes the keys of expired leases, so keys go within reapIntervalMs of expiry.
// - A watch without afterRevision starts after the last event this process
//   has read, which may be slightly before the call.

import { StoreError, systemClock } from '../api/index.ts';
import type { Clock, KeyValue, Lease, RangeOptions, RangeResult, Store, StoreEvent, StoreWatch, StoreWatchOptions, Timer, WriteOptions } from '../api/index.ts';
import { encodeValue, toKeyValue } from './entry.ts';
import type { Entry } from './entry.ts';
import { connectRedis } from './redis-client.ts';
import type { RedisConnection, RedisScript } from './redis-client.ts';
import { ALL_SCRIPTS, COMPACT, DELETE, GRANT, KEEP_ALIVE, PUT, RANGE, REAP, REVOKE } from './redis-scripts.ts';
import { RedisWatchHub, entryOf } from './redis-watch.ts';
import { DEFAULT_HISTORY_LIMIT } from './memory-store.ts';

export interface RedisStoreOptions {
  /** redis://host:port[/db], rediss://…, or unix:///path/to.sock */
  url: string;
  /** Namespace for every Redis key, so several clusters can share one Redis. Default 'meshlet:'. */
  keyPrefix?: string;
  /** Drives the lease reaper's schedule. */
  clock?: Clock;
  /** Events kept in the stream for watches from an old revision. Default 10000. */
  historyLimit?: number;
  /** How often expired leases' keys are deleted. Default 250 ms. */
  reapIntervalMs?: number;
}

export async function openRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  let main: RedisConnection;
  try {
    main = await connectRedis({ url: options.url }, ALL_SCRIPTS);
  } catch (err) {
    throw new StoreError('Unavailable', `redis: cannot connect to ${redactUrl(options.url)}`, undefined, { cause: err });
  }
  try {
    const blocking = await main.duplicate();
    const prefix = options.keyPrefix ?? 'meshlet:';
    const revision = Number((await main.call('GET', `${prefix}rev`)) ?? 1);
    return new RedisStore(main, blocking, prefix, revision, options);
  } catch (err) {
    main.disconnect();
    throw new StoreError('Unavailable', `redis: cannot open the store at ${redactUrl(options.url)}`, undefined, { cause: err });
  }
}

export class RedisStore implements Store {
  readonly backend = 'redis';
  private readonly hub: RedisWatchHub;
  private readonly clock: Clock;
  private readonly historyLimit: number;
  private readonly reapIntervalMs: number;
  private reapTimer: Timer | undefined;
  private closed = false;

  constructor(
    private readonly main: RedisConnection,
    blocking: RedisConnection,
    private readonly prefix: string,
    startRevision: number,
    options: RedisStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.historyLimit = Math.max(1, options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    this.reapIntervalMs = Math.max(10, options.reapIntervalMs ?? 250);
    this.hub = new RedisWatchHub(main, blocking, prefix, this.clock, startRevision);
    this.hub.start();
    this.scheduleReap();
  }

  async get<T = unknown>(key: string): Promise<KeyValue<T> | undefined> {
    const packed = (await this.call('HGET', `${this.prefix}data`, key)) as string | null;
    return packed === null ? undefined : toKeyValue<T>(unpackEntry(key, packed));
  }

  async range<T = unknown>(prefix: string, options: RangeOptions = {}): Promise<RangeResult<T>> {
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const reply = (await this.script(RANGE, [prefix, options.startAfter ?? '', limit])) as (string | number)[];
    const kvs: KeyValue<T>[] = [];
    for (let i = 2; i + 1 < reply.length; i += 2) kvs.push(toKeyValue<T>(unpackEntry(String(reply[i]), String(reply[i + 1]))));
    const count = Number(reply[1]);
    return { kvs, revision: Number(reply[0]), more: count > kvs.length, count };
  }

  async create<T = unknown>(key: string, value: T, options: Pick<WriteOptions, 'lease'> = {}): Promise<KeyValue<T>> {
    return this.put(key, value, 'create', undefined, options.lease ?? '');
  }

  async update<T = unknown>(key: string, value: T, options: WriteOptions = {}): Promise<KeyValue<T>> {
    return this.put(key, value, 'update', options.expectedModRevision, options.lease ?? '~');
  }

  async delete<T = unknown>(key: string, options: Pick<WriteOptions, 'expectedModRevision'> = {}): Promise<KeyValue<T>> {
    const reply = (await this.script(DELETE, [key, options.expectedModRevision ?? '', this.historyLimit])) as (string | number)[];
    this.throwOnRefusal(reply, key, options.expectedModRevision);
    const [, rev, v, c, ver, l] = reply.map(String) as [string, string, string, string, string, string];
    return toKeyValue<T>(entryOf(key, v, c, rev, ver, l));
  }

  watch<T = unknown>(prefix: string, options: StoreWatchOptions, onEvent: (event: StoreEvent<T>) => void, onError?: (err: StoreError) => void): StoreWatch {
    return this.hub.watch(prefix, options.afterRevision, onEvent, onError);
  }

  async currentRevision(): Promise<number> {
    return Number((await this.call('GET', `${this.prefix}rev`)) ?? 1);
  }

  async compact(revision: number): Promise<void> {
    await this.script(COMPACT, [revision]);
  }

  async compactedRevision(): Promise<number> {
    return Number((await this.call('GET', `${this.prefix}compact`)) ?? 0);
  }

  async grantLease(ttlSeconds: number): Promise<Lease> {
    if (!(ttlSeconds > 0)) throw new RangeError(`control/store: lease TTL must be positive, got ${ttlSeconds}`);
    const id = String(await this.script(GRANT, [ttlSeconds, Math.max(1, Math.round(ttlSeconds * 1000))]));
    return { id, ttlSeconds };
  }

  async keepAlive(leaseId: string): Promise<void> {
    if (Number(await this.script(KEEP_ALIVE, [leaseId])) !== 1) {
      throw new StoreError('LeaseNotFound', `lease ${leaseId} not found (expired or revoked)`);
    }
  }

  async revokeLease(leaseId: string): Promise<void> {
    if (Number(await this.script(REVOKE, [leaseId, this.historyLimit])) !== 1) {
      throw new StoreError('LeaseNotFound', `lease ${leaseId} not found (expired or revoked)`);
    }
  }

  /** Deletes the keys of expired leases now (the reaper does this every reapIntervalMs). */
  async reapExpiredLeases(): Promise<number> {
    return Number(await this.script(REAP, [this.historyLimit]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reapTimer?.cancel();
    await this.hub.close();
    await this.main.close();
  }

  private async put<T>(key: string, value: T, mode: 'create' | 'update', expected: number | undefined, lease: string): Promise<KeyValue<T>> {
    const json = encodeValue(value);
    const reply = (await this.script(PUT, [key, mode, expected ?? '', json, lease, this.historyLimit])) as (string | number)[];
    this.throwOnRefusal(reply, key, expected, lease);
    const [, rev, create, ver, attached] = reply.map(String) as [string, string, string, string, string];
    return toKeyValue<T>(entryOf(key, json, create, rev, ver, attached));
  }

  private throwOnRefusal(reply: (string | number)[], key: string, expected?: number, lease?: string): void {
    switch (reply[0]) {
      case 'OK':
        return;
      case 'AlreadyExists':
        throw new StoreError('AlreadyExists', `key "${key}" already exists`, key);
      case 'NotFound':
        throw new StoreError('NotFound', `key "${key}" not found`, key);
      case 'Conflict':
        throw new StoreError('Conflict', `key "${key}" is at revision ${String(reply[1])}, not ${String(expected)}`, key);
      case 'LeaseNotFound':
        throw new StoreError('LeaseNotFound', `lease ${String(lease)} not found (expired or revoked)`);
      default:
        throw new StoreError('Unavailable', `redis: unexpected reply ${JSON.stringify(reply)}`, key);
    }
  }

  private scheduleReap(): void {
    this.reapTimer = this.clock.setTimer(this.reapIntervalMs, () => {
      if (this.closed) return;
      this.reapExpiredLeases()
        .catch(() => {
          // Redis unreachable: the next round retries.
        })
        .finally(() => {
          if (!this.closed) this.scheduleReap();
        });
    });
  }

  private async call(command: string, ...args: (string | number)[]): Promise<unknown> {
    this.assertOpen();
    try {
      return await this.main.call(command, ...args);
    } catch (err) {
      throw new StoreError('Unavailable', `redis: ${command} failed`, undefined, { cause: err });
    }
  }

  private async script(script: RedisScript, args: (string | number)[]): Promise<unknown> {
    this.assertOpen();
    try {
      return await this.main.run(script, [this.prefix, ...args]);
    } catch (err) {
      throw new StoreError('Unavailable', `redis: ${script.name} failed`, undefined, { cause: err });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('Unavailable', 'store is closed');
  }
}

/** Reads the "<c>,<m>,<ver>,<lease>\n<json>" form the scripts store in P data. */
function unpackEntry(key: string, packed: string): Entry {
  const nl = packed.indexOf('\n');
  const [c, m, ver, lease] = packed.slice(0, nl).split(',');
  return entryOf(key, packed.slice(nl + 1), c, m, ver, lease);
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
