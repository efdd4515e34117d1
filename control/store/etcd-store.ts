// The etcd backend: the Store contract mapped one-to-one onto etcd v3.
// - The store's revision IS etcd's revision: every write is one etcd txn, so
//   a KeyValue's modRevision is etcd's mod_revision (= resourceVersion above).
// - create: txn if create_revision(key) == 0; update/delete: txn if
//   mod_revision(key) == expected (or, without expected, if the key exists);
//   the failure branch reads the key so NotFound and Conflict are told apart.
// - Leases are etcd leases; update without a lease keeps the key's lease (ignore_lease).
// - compact(r) forgets history at or below r: etcd compaction at r + 1, since
//   etcd keeps its compaction revision itself watchable.
// - Reads are linearizable unless `serializable: true` asks for the answering
//   member's local state (answers without quorum; may be stale).

import type { Etcd3, IKeyValue, IRequestOp, ITxnResponse } from 'etcd3';
import { StoreError, systemClock } from '../api/index.ts';
import type { Clock, KeyValue, Lease, RangeOptions, RangeResult, Store, StoreEvent, StoreWatch, StoreWatchOptions, WriteOptions } from '../api/index.ts';
import { connectEtcd, etcdKey, etcdRange, isCompactedError, isLeaseNotFound, leaseFromWire, leaseToWire, unavailable, withRetry } from './etcd-client.ts';
import { EtcdWatch, entryOfKv } from './etcd-watch.ts';
import { encodeValue, toKeyValue } from './entry.ts';
import { DEFAULT_HISTORY_LIMIT } from './memory-store.ts';

export interface EtcdStoreOptions {
  /** host:port of each member's client URL. */
  endpoints: string[];
  /** Prepended to every key in etcd (default '': keys are etcd keys, e.g. /registry/pods/default/x). */
  keyPrefix?: string;
  /** Revisions kept watchable; older ones are compacted as writes go on. Default 10000. */
  historyLimit?: number;
  /** Deadline of each unary call. Default 10000 ms. */
  requestTimeoutMs?: number;
  /** Schedules watch re-connection. */
  clock?: Clock;
}

export interface EtcdReadOptions {
  /** Answer from the member's local state, without a quorum round (etcd's serializable read). */
  serializable?: boolean;
}

export async function openEtcdStore(options: EtcdStoreOptions): Promise<EtcdStore> {
  if (options.endpoints.length === 0) throw new StoreError('Unavailable', 'etcd: no endpoints given');
  const client = connectEtcd({ endpoints: options.endpoints, requestTimeoutMs: options.requestTimeoutMs ?? 10_000 });
  const store = new EtcdStore(client, options);
  try {
    await store.currentRevision();
  } catch (err) {
    await store.close();
    throw new StoreError('Unavailable', `etcd: cannot reach ${options.endpoints.join(',')}`, undefined, { cause: err });
  }
  return store;
}

export class EtcdStore implements Store {
  readonly backend = 'etcd';
  private readonly keyPrefix: string;
  private readonly historyLimit: number;
  private readonly compactStep: number;
  private readonly clock: Clock;
  private readonly requestTimeoutMs: number;
  /** One try per member, and one more: a dead member is then passed over even when picked first. */
  private readonly attempts: number;
  private readonly watches = new Set<EtcdWatch<unknown>>();
  /** Highest meshlet compaction this process asked for (history up to it is gone). */
  private compactedUpTo = 0;
  private closed = false;

  constructor(
    private readonly client: Etcd3,
    options: EtcdStoreOptions,
  ) {
    this.keyPrefix = options.keyPrefix ?? '';
    this.historyLimit = Math.max(1, options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    // Compacting on every write would cost a round trip each; a tenth of the window is enough slack.
    this.compactStep = Math.max(1, Math.floor(this.historyLimit / 10));
    this.clock = options.clock ?? systemClock;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.attempts = options.endpoints.length + 1;
  }

  async get<T = unknown>(key: string, options: EtcdReadOptions = {}): Promise<KeyValue<T> | undefined> {
    const res = await this.call('get', key, () => this.client.kv.range({ key: this.k(key), serializable: options.serializable === true }));
    const kv = res.kvs[0];
    return kv ? toKeyValue<T>(entryOfKv(this.keyPrefix, kv)) : undefined;
  }

  async range<T = unknown>(prefix: string, options: RangeOptions & EtcdReadOptions = {}): Promise<RangeResult<T>> {
    const bounds = etcdRange(this.keyPrefix, prefix);
    let key = bounds.key;
    if (options.startAfter !== undefined && options.startAfter >= prefix) key = Buffer.concat([this.k(options.startAfter), Buffer.from([0])]);
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const res = await this.call('range', prefix, () =>
      this.client.kv.range({ key, range_end: bounds.range_end, limit, serializable: options.serializable === true }),
    );
    const kvs = res.kvs.map((kv) => toKeyValue<T>(entryOfKv(this.keyPrefix, kv)));
    return { kvs, revision: Number(res.header.revision), more: res.more, count: Number(res.count) };
  }

  async create<T = unknown>(key: string, value: T, options: Pick<WriteOptions, 'lease'> = {}): Promise<KeyValue<T>> {
    const json = encodeValue(value);
    const lease = this.wireLease(options.lease);
    const res = await this.txn('create', key, {
      compare: [{ key: this.k(key), target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: this.k(key), value: Buffer.from(json), lease } }],
      failure: [],
    }, options.lease);
    if (!res.succeeded) throw new StoreError('AlreadyExists', `key "${key}" already exists`, key);
    const revision = Number(res.header.revision);
    return toKeyValue<T>({ key, json, createRevision: revision, modRevision: revision, version: 1, ...(options.lease ? { lease: options.lease } : {}) });
  }

  async update<T = unknown>(key: string, value: T, options: WriteOptions = {}): Promise<KeyValue<T>> {
    const json = encodeValue(value);
    const put: IRequestOp = {
      request_put: { key: this.k(key), value: Buffer.from(json), prev_kv: true, ...(options.lease === undefined ? { ignore_lease: true } : { lease: this.wireLease(options.lease) }) },
    };
    const res = await this.txn('update', key, { compare: [this.guard(key, options.expectedModRevision)], success: [put], failure: [this.read(key)] }, options.lease);
    const prev = this.refusal(res, key, options.expectedModRevision, (r) => r.response_put.prev_kv);
    const revision = Number(res.header.revision);
    const lease = options.lease ?? leaseFromWire(prev.lease);
    return toKeyValue<T>({ key, json, createRevision: Number(prev.create_revision), modRevision: revision, version: Number(prev.version) + 1, ...(lease ? { lease } : {}) });
  }

  async delete<T = unknown>(key: string, options: Pick<WriteOptions, 'expectedModRevision'> = {}): Promise<KeyValue<T>> {
    const res = await this.txn('delete', key, {
      compare: [this.guard(key, options.expectedModRevision)],
      success: [{ request_delete_range: { key: this.k(key), prev_kv: true } }],
      failure: [this.read(key)],
    });
    const prev = this.refusal(res, key, options.expectedModRevision, (r) => r.response_delete_range.prev_kvs[0]);
    return toKeyValue<T>({ ...entryOfKv(this.keyPrefix, prev), modRevision: Number(res.header.revision) });
  }

  watch<T = unknown>(prefix: string, options: StoreWatchOptions, onEvent: (event: StoreEvent<T>) => void, onError?: (err: StoreError) => void): StoreWatch {
    const context = { client: this.client, keyPrefix: this.keyPrefix, clock: this.clock };
    if (this.closed) {
      const dead = new EtcdWatch<T>(context, prefix, 0, onEvent, onError);
      dead.fail(new StoreError('Unavailable', 'store is closed'));
      return dead;
    }
    const watch = new EtcdWatch<T>(context, prefix, options.afterRevision, onEvent, onError) as EtcdWatch<unknown>;
    this.watches.add(watch);
    return {
      close: () => {
        watch.close();
        this.watches.delete(watch);
      },
    };
  }

  async currentRevision(): Promise<number> {
    // A count-only read of one key still carries the cluster revision in its header.
    const res = await this.call('status', undefined, () => this.client.kv.range({ key: Buffer.from([0]), count_only: true }));
    return Number(res.header.revision);
  }

  async compact(revision: number): Promise<void> {
    const current = await this.currentRevision();
    // etcd cannot compact past its current revision: compacting there leaves only the newest event watchable.
    const target = Math.min(revision + 1, current);
    if (target <= 1) return;
    try {
      await this.client.kv.compact({ revision: target });
    } catch (err) {
      if (!isCompactedError(err)) throw unavailable('compact', err);
    }
    this.compactedUpTo = Math.max(this.compactedUpTo, target - 1);
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    // etcd reports its compaction revision only to a watch that starts below it; a read of
    // revision 1 tells first whether anything was compacted at all.
    try {
      await this.client.kv.range({ key: Buffer.from([0]), revision: 1, count_only: true });
      return 0;
    } catch (err) {
      if (!isCompactedError(err)) throw unavailable('compactedRevision', err);
    }
    const stream = await this.call('compactedRevision', undefined, () => this.client.watchClient.watch());
    try {
      const etcdRevision = await new Promise<number>((resolve, reject) => {
        const timer = this.clock.setTimer(this.requestTimeoutMs, () => reject(new Error('no answer to the compaction probe')));
        stream.on('data', (res) => {
          if (res.compact_revision && res.compact_revision !== '0') {
            timer.cancel();
            resolve(Number(res.compact_revision));
          }
        });
        stream.on('error', (err) => {
          timer.cancel();
          reject(err);
        });
        stream.write({ create_request: { key: Buffer.from([0]), start_revision: 1 } });
      });
      return Math.max(0, etcdRevision - 1);
    } catch (err) {
      throw unavailable('compactedRevision', err);
    } finally {
      stream.cancel();
    }
  }

  async grantLease(ttlSeconds: number): Promise<Lease> {
    if (!(ttlSeconds > 0)) throw new RangeError(`control/store: lease TTL must be positive, got ${ttlSeconds}`);
    const res = await this.call('lease grant', undefined, () => this.client.leaseClient.leaseGrant({ TTL: Math.ceil(ttlSeconds) }));
    // etcd raises TTLs below its minimum (1.5 election timeouts); report what it granted.
    return { id: leaseFromWire(res.ID) ?? res.ID, ttlSeconds: Number(res.TTL) };
  }

  async keepAlive(leaseId: string): Promise<void> {
    const id = leaseToWire(leaseId);
    if (id === undefined) throw leaseNotFound(leaseId);
    const ttl = await this.call('lease keepalive', undefined, async () => {
      const stream = await this.client.leaseClient.leaseKeepAlive();
      try {
        // A stream has no call deadline, so the answer gets one of its own.
        return await new Promise<string>((resolve, reject) => {
          const timer = this.clock.setTimer(this.requestTimeoutMs, () => reject(new Error(`no keepalive answer in ${this.requestTimeoutMs} ms`)));
          const settle = (fn: () => void) => {
            timer.cancel();
            fn();
          };
          stream.on('data', (res) => settle(() => resolve(res.TTL)));
          stream.on('error', (err) => settle(() => reject(err)));
          stream.on('end', () => settle(() => reject(new Error('keepalive stream ended'))));
          stream.write({ ID: id });
        });
      } finally {
        stream.cancel();
      }
    });
    if (Number(ttl) <= 0) throw leaseNotFound(leaseId);
  }

  async revokeLease(leaseId: string): Promise<void> {
    const id = leaseToWire(leaseId);
    if (id === undefined) throw leaseNotFound(leaseId);
    try {
      this.assertOpen();
      await withRetry(false, this.attempts, () => this.client.leaseClient.leaseRevoke({ ID: id }));
    } catch (err) {
      if (isLeaseNotFound(err)) throw leaseNotFound(leaseId);
      throw err instanceof StoreError ? err : unavailable('lease revoke', err);
    }
  }

  /** Who leads, as the member at `endpoint` sees it (etcd maintenance status). */
  async memberStatus(): Promise<{ memberId: string; leaderId: string; revision: number }> {
    const res = await this.call('status', undefined, () => this.client.maintenance.status());
    return { memberId: res.header.member_id, leaderId: res.leader, revision: Number(res.header.revision) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const watch of this.watches) watch.fail(new StoreError('Unavailable', 'store is closed'));
    this.watches.clear();
    this.client.close();
  }

  private k(key: string): Buffer {
    return etcdKey(this.keyPrefix, key);
  }

  private wireLease(lease: string | undefined): string | undefined {
    if (lease === undefined || lease === '') return undefined;
    const id = leaseToWire(lease);
    if (id === undefined) throw leaseNotFound(lease);
    return id;
  }

  private guard(key: string, expected: number | undefined) {
    return expected === undefined
      ? { key: this.k(key), target: 'Create' as const, result: 'Greater' as const, create_revision: 0 }
      : { key: this.k(key), target: 'Mod' as const, result: 'Equal' as const, mod_revision: expected };
  }

  private read(key: string): IRequestOp {
    return { request_range: { key: this.k(key) } };
  }

  /** Throws NotFound/Conflict for a failed guard; returns the key's previous state for a successful one. */
  private refusal(res: ITxnResponse, key: string, expected: number | undefined, prevOf: (r: ITxnResponse['responses'][number]) => IKeyValue | undefined): IKeyValue {
    const first = res.responses[0];
    if (!res.succeeded) {
      const current = first?.response_range.kvs[0];
      if (!current) throw new StoreError('NotFound', `key "${key}" not found`, key);
      throw new StoreError('Conflict', `key "${key}" is at revision ${current.mod_revision}, not ${String(expected)}`, key);
    }
    const prev = first ? prevOf(first) : undefined;
    if (!prev) throw new StoreError('Unavailable', `etcd: txn on "${key}" returned no previous value`, key);
    return prev;
  }

  private async txn(what: string, key: string, request: Parameters<Etcd3['kv']['txn']>[0], lease?: string): Promise<ITxnResponse> {
    let res: ITxnResponse;
    try {
      this.assertOpen();
      res = await withRetry(false, this.attempts, () => this.client.kv.txn(request));
    } catch (err) {
      if (isLeaseNotFound(err)) throw leaseNotFound(lease ?? '');
      throw err instanceof StoreError ? err : unavailable(what, err, key);
    }
    if (res.succeeded) await this.compactBehind(Number(res.header.revision));
    return res;
  }

  /** Keeps about historyLimit revisions watchable, as the other backends do. */
  private async compactBehind(revision: number): Promise<void> {
    const due = revision - this.historyLimit;
    if (due - this.compactedUpTo < this.compactStep) return;
    try {
      await this.compact(due);
    } catch {
      // Compaction is housekeeping: the next write tries again.
    }
  }

  /** Reads and other calls that are safe to repeat. */
  private async call<R>(what: string, key: string | undefined, fn: () => Promise<R>): Promise<R> {
    this.assertOpen();
    try {
      return await withRetry(true, this.attempts, fn);
    } catch (err) {
      throw unavailable(what, err, key);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('Unavailable', 'store is closed');
  }
}

function leaseNotFound(id: string): StoreError {
  return new StoreError('LeaseNotFound', `lease ${id} not found (expired or revoked)`);
}
