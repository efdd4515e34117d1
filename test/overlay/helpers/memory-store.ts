// A minimal in-memory Store for overlay tests (overlay must not depend on
// control/store): revisions, create/update/delete with CAS, range by prefix.
// Watch and leases are stubs; IPAM does not use them.

import type { KeyValue, Lease, RangeResult, Store, StoreWatch, WriteOptions } from '../../../control/api/index.ts';
import { StoreError } from '../../../control/api/index.ts';

export class TestStore implements Store {
  readonly backend = 'memory';
  private readonly data = new Map<string, KeyValue>();
  private revision = 0;
  writes = 0;

  get<T>(key: string): Promise<KeyValue<T> | undefined> {
    return Promise.resolve(this.clone(this.data.get(key)) as KeyValue<T> | undefined);
  }

  range<T>(prefix: string): Promise<RangeResult<T>> {
    const kvs = [...this.data.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : 1));
    return Promise.resolve({ kvs: kvs.map((kv) => this.clone(kv)!) as KeyValue<T>[], revision: this.revision, more: false, count: kvs.length });
  }

  create<T>(key: string, value: T): Promise<KeyValue<T>> {
    if (this.data.has(key)) return Promise.reject(new StoreError('AlreadyExists', `key ${key} exists`, key));
    return Promise.resolve(this.put(key, value, undefined));
  }

  update<T>(key: string, value: T, options?: WriteOptions): Promise<KeyValue<T>> {
    const prev = this.data.get(key);
    if (!prev) return Promise.reject(new StoreError('NotFound', `key ${key} not found`, key));
    if (options?.expectedModRevision !== undefined && options.expectedModRevision !== prev.modRevision) {
      return Promise.reject(new StoreError('Conflict', `key ${key} moved`, key));
    }
    return Promise.resolve(this.put(key, value, prev));
  }

  delete<T>(key: string, options?: { expectedModRevision?: number }): Promise<KeyValue<T>> {
    const prev = this.data.get(key);
    if (!prev) return Promise.reject(new StoreError('NotFound', `key ${key} not found`, key));
    if (options?.expectedModRevision !== undefined && options.expectedModRevision !== prev.modRevision) {
      return Promise.reject(new StoreError('Conflict', `key ${key} moved`, key));
    }
    this.data.delete(key);
    this.revision++;
    this.writes++;
    return Promise.resolve(prev as KeyValue<T>);
  }

  watch(): StoreWatch {
    return { close() {} };
  }

  currentRevision(): Promise<number> {
    return Promise.resolve(this.revision);
  }

  compact(): Promise<void> {
    return Promise.resolve();
  }

  compactedRevision(): Promise<number> {
    return Promise.resolve(0);
  }

  grantLease(ttlSeconds: number): Promise<Lease> {
    return Promise.resolve({ id: `lease-${++this.revision}`, ttlSeconds });
  }

  keepAlive(): Promise<void> {
    return Promise.resolve();
  }

  revokeLease(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Keys under a prefix, for assertions. */
  keys(prefix = ''): string[] {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  private put<T>(key: string, value: T, prev: KeyValue | undefined): KeyValue<T> {
    this.revision++;
    this.writes++;
    const kv: KeyValue = {
      key,
      value: structuredClone(value),
      createRevision: prev?.createRevision ?? this.revision,
      modRevision: this.revision,
      version: (prev?.version ?? 0) + 1,
    };
    this.data.set(key, kv);
    return this.clone(kv) as KeyValue<T>;
  }

  private clone(kv: KeyValue | undefined): KeyValue | undefined {
    return kv ? { ...kv, value: structuredClone(kv.value) } : undefined;
  }
}
