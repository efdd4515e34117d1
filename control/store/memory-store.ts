// The embedded store: etcd's semantics in process memory. With a Journal (the
// file backend) every change is recorded before it is acknowledged, and
// readers and watchers only see changes that are durable.
//
// Contract details beyond control/api/store.ts:
// - A fresh store is at revision 1 (as etcd); the first write gets revision 2.
// - update() without `lease` keeps the key's current lease; with `lease` it moves the key.
// - delete() returns the last value with modRevision = the delete's revision.
// - Compacted (and store close) reach a watcher through onError, after any
//   events already queued; the watch is then over.

import { StoreError, systemClock } from '../api/index.ts';
import type { Clock, KeyValue, Lease, RangeOptions, RangeResult, Store, StoreEvent, StoreWatch, StoreWatchOptions, WriteOptions } from '../api/index.ts';
import { encodeValue, toKeyValue } from './entry.ts';
import type { Entry, EntryEvent } from './entry.ts';
import type { Journal, JournalRecord, StoreState } from './journal.ts';
import { LeaseTable } from './lease-table.ts';
import { SortedKeys } from './sorted-keys.ts';
import { WatchHub } from './watch-hub.ts';

export interface MemoryStoreOptions {
  /** Drives lease expiry. Default: the system clock. */
  clock?: Clock;
  /** Events kept for watches from an old revision; older ones are compacted. Default 10000. */
  historyLimit?: number;
}

/** How the file backend plugs in; not for general use. */
export interface MemoryStoreInternals {
  backend?: string;
  journal?: Journal;
  initial?: StoreState;
  /** Runs on close after new calls are refused and before watches end (flush the journal, release files). */
  onClose?: () => Promise<void>;
}

export const DEFAULT_HISTORY_LIMIT = 10_000;

export class MemoryStore implements Store {
  readonly backend: string;
  private readonly entries = new Map<string, Entry>();
  private readonly index = new SortedKeys();
  private readonly hub: WatchHub;
  private readonly leases: LeaseTable;
  private readonly journal: Journal | undefined;
  private readonly onClose: (() => Promise<void>) | undefined;
  private revision = 1;
  /** Written but not yet durable, in revision order (journal mode only). */
  private unpublished: EntryEvent[] = [];
  /** The newest journal append not yet known durable (journal mode only). */
  private lastAppend: Promise<void> | undefined;
  private failure: StoreError | undefined;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}, internals: MemoryStoreInternals = {}) {
    this.backend = internals.backend ?? 'memory';
    this.journal = internals.journal;
    this.onClose = internals.onClose;
    const initial = internals.initial;
    this.hub = new WatchHub(Math.max(1, options.historyLimit ?? DEFAULT_HISTORY_LIMIT), initial?.compactedRevision ?? 0);
    this.leases = new LeaseTable(options.clock ?? systemClock, (id, keys) => this.expireLease(id, keys), initial?.nextLeaseId ?? 1);
    if (initial) {
      this.revision = initial.revision;
      for (const entry of initial.entries) {
        this.entries.set(entry.key, entry);
        this.index.add(entry.key);
      }
      for (const lease of initial.leases) this.leases.add(lease.id, lease.ttl);
      for (const entry of initial.entries) if (entry.lease !== undefined) this.leases.attach(entry.lease, entry.key);
    }
  }

  /** The full state, consistent at the current revision (for snapshots). */
  exportState(): StoreState {
    return {
      revision: this.revision,
      compactedRevision: this.hub.compactedRevision,
      entries: this.index.slice(0, this.index.size).map((k) => this.entries.get(k) as Entry),
      leases: this.leases.list(),
      nextLeaseId: this.leases.nextLeaseId,
    };
  }

  async get<T = unknown>(key: string): Promise<KeyValue<T> | undefined> {
    this.assertOpen();
    const entry = this.entries.get(key);
    return this.whenDurable(entry ? toKeyValue<T>(entry) : undefined);
  }

  async range<T = unknown>(prefix: string, options: RangeOptions = {}): Promise<RangeResult<T>> {
    this.assertOpen();
    const { from, to } = this.index.span(prefix, options.startAfter);
    const count = to - from;
    const limit = options.limit && options.limit > 0 ? options.limit : count;
    const keys = this.index.slice(from, from + Math.min(limit, count));
    return this.whenDurable({
      kvs: keys.map((k) => toKeyValue<T>(this.entries.get(k) as Entry)),
      revision: this.revision,
      more: count > keys.length,
      count,
    });
  }

  async create<T = unknown>(key: string, value: T, options: Pick<WriteOptions, 'lease'> = {}): Promise<KeyValue<T>> {
    this.assertOpen();
    const json = encodeValue(value);
    if (this.entries.has(key)) throw new StoreError('AlreadyExists', `key "${key}" already exists`, key);
    this.assertLease(options.lease);
    const entry: Entry = { key, json, createRevision: this.revision + 1, modRevision: this.revision + 1, version: 1 };
    if (options.lease !== undefined) entry.lease = options.lease;
    await this.commitPut(entry, undefined);
    return toKeyValue<T>(entry);
  }

  async update<T = unknown>(key: string, value: T, options: WriteOptions = {}): Promise<KeyValue<T>> {
    this.assertOpen();
    const json = encodeValue(value);
    const prev = this.existing(key, options.expectedModRevision);
    this.assertLease(options.lease);
    const entry: Entry = {
      key,
      json,
      createRevision: prev.createRevision,
      modRevision: this.revision + 1,
      version: prev.version + 1,
    };
    const lease = options.lease ?? prev.lease;
    if (lease !== undefined) entry.lease = lease;
    await this.commitPut(entry, prev);
    return toKeyValue<T>(entry);
  }

  async delete<T = unknown>(key: string, options: Pick<WriteOptions, 'expectedModRevision'> = {}): Promise<KeyValue<T>> {
    this.assertOpen();
    const prev = this.existing(key, options.expectedModRevision);
    const event = this.applyDelete(prev);
    await this.commit(event, { op: 'delete', key, rev: event.revision });
    return toKeyValue<T>(event.kv);
  }

  watch<T = unknown>(
    prefix: string,
    options: StoreWatchOptions,
    onEvent: (event: StoreEvent<T>) => void,
    onError?: (err: StoreError) => void,
  ): StoreWatch {
    if (this.failure || this.closed) {
      const hub = new WatchHub(1, 0);
      const w = hub.watch(prefix, undefined, onEvent, onError);
      hub.failAll(this.failure ?? closedError());
      return w;
    }
    return this.hub.watch(prefix, options.afterRevision, onEvent, onError);
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.whenDurable(this.revision);
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    const target = Math.min(revision, this.revision);
    if (target <= this.hub.compactedRevision) return;
    this.hub.compact(target);
    if (this.journal) await this.durable({ op: 'compact', rev: target });
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.hub.compactedRevision;
  }

  async grantLease(ttlSeconds: number): Promise<Lease> {
    this.assertOpen();
    if (!(ttlSeconds > 0)) throw new RangeError(`control/store: lease TTL must be positive, got ${ttlSeconds}`);
    const id = this.leases.newId();
    // State first, then the record: a snapshot taken in between must hold what the log says happened.
    this.leases.add(id, ttlSeconds);
    if (this.journal) await this.durable({ op: 'lease-grant', id, ttl: ttlSeconds });
    return { id, ttlSeconds };
  }

  async keepAlive(leaseId: string): Promise<void> {
    this.assertOpen();
    if (!this.leases.refresh(leaseId)) throw new StoreError('LeaseNotFound', `lease ${leaseId} not found (expired or revoked)`);
  }

  async revokeLease(leaseId: string): Promise<void> {
    this.assertOpen();
    const keys = this.leases.remove(leaseId);
    if (!keys) throw new StoreError('LeaseNotFound', `lease ${leaseId} not found (expired or revoked)`);
    await this.deleteLeaseKeys(leaseId, keys);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.leases.close();
    try {
      await this.onClose?.();
    } finally {
      this.hub.failAll(closedError());
    }
  }

  /** Marks the store failed (a journal write failed): every later call rejects with Unavailable. */
  protected fail(err: StoreError): void {
    if (this.failure) return;
    this.failure = err;
    this.leases.close();
    this.hub.failAll(err);
  }

  private existing(key: string, expectedModRevision: number | undefined): Entry {
    const prev = this.entries.get(key);
    if (!prev) throw new StoreError('NotFound', `key "${key}" not found`, key);
    if (expectedModRevision !== undefined && prev.modRevision !== expectedModRevision) {
      throw new StoreError('Conflict', `key "${key}" is at revision ${prev.modRevision}, not ${expectedModRevision}`, key);
    }
    return prev;
  }

  private assertLease(lease: string | undefined): void {
    if (lease !== undefined && !this.leases.has(lease)) {
      throw new StoreError('LeaseNotFound', `lease ${lease} not found (expired or revoked)`);
    }
  }

  private assertOpen(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw closedError();
  }

  /** Applies a put synchronously (so concurrent callers serialise), then waits for durability. */
  private commitPut(entry: Entry, prev: Entry | undefined): Promise<void> {
    this.revision = entry.modRevision;
    this.entries.set(entry.key, entry);
    if (!prev) this.index.add(entry.key);
    if (prev?.lease !== undefined && prev.lease !== entry.lease) this.leases.detach(prev.lease, entry.key);
    if (entry.lease !== undefined) this.leases.attach(entry.lease, entry.key);
    const event: EntryEvent = { type: 'put', kv: entry, revision: entry.modRevision };
    if (prev) event.prev = prev;
    return this.commit(event, { op: 'put', entry });
  }

  private applyDelete(prev: Entry): EntryEvent {
    this.revision += 1;
    this.entries.delete(prev.key);
    this.index.remove(prev.key);
    if (prev.lease !== undefined) this.leases.detach(prev.lease, prev.key);
    return { type: 'delete', kv: { ...prev, modRevision: this.revision }, prev, revision: this.revision };
  }

  private async commit(event: EntryEvent, record: JournalRecord): Promise<void> {
    if (!this.journal) {
      this.hub.publish(event);
      return;
    }
    this.unpublished.push(event);
    await this.durable(record);
    // Durability is in order, so everything up to this revision is durable too.
    let n = 0;
    while (n < this.unpublished.length && (this.unpublished[n] as EntryEvent).revision <= event.revision) {
      this.hub.publish(this.unpublished[n] as EntryEvent);
      n++;
    }
    if (n > 0) this.unpublished = this.unpublished.slice(n);
  }

  /** Appends synchronously (the log's order is the order of the calls); resolves once durable. */
  private durable(record: JournalRecord): Promise<void> {
    const written = (this.journal as Journal).append(record).catch((err: unknown) => {
      const failure = new StoreError('Unavailable', 'journal write failed; the store has stopped', undefined, { cause: err });
      this.fail(failure);
      throw failure;
    });
    this.lastAppend = written;
    written.then(
      () => {
        if (this.lastAppend === written) this.lastAppend = undefined;
      },
      () => undefined,
    );
    return written;
  }

  /**
   * A read returns state as of the call, but only once that state is durable:
   * no reader may see a write a crash could still undo. Durability is in log
   * order, so waiting for the newest append covers everything the read saw.
   */
  private async whenDurable<R>(result: R): Promise<R> {
    const barrier = this.lastAppend;
    if (barrier) await barrier;
    return result;
  }

  private expireLease(id: string, keys: string[]): void {
    this.leases.remove(id);
    this.deleteLeaseKeys(id, keys).catch(() => {
      // A journal failure has already marked the store failed.
    });
  }

  private async deleteLeaseKeys(id: string, keys: string[]): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const key of keys) {
      const prev = this.entries.get(key);
      if (!prev || prev.lease !== id) continue;
      const event = this.applyDelete(prev);
      writes.push(this.commit(event, { op: 'delete', key, rev: event.revision }));
    }
    if (this.journal) writes.push(this.durable({ op: 'lease-revoke', id }));
    await Promise.all(writes);
  }
}

function closedError(): StoreError {
  return new StoreError('Unavailable', 'store is closed');
}
