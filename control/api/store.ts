// The store contract: etcd's semantics over JSON values.
//
// - One cluster-wide revision; every successful write bumps it by one and
//   stamps the written key with `modRevision` = the new revision.
// - create fails with AlreadyExists; update/delete can compare-and-swap on the
//   key's modRevision (Conflict when it moved); NotFound when absent.
// - watch(prefix, afterRevision) delivers, in revision order, every event with
//   revision > afterRevision; if afterRevision is older than the compaction
//   point it fails with StoreError('Compacted') (the API server turns it into 410 Gone).
// - Keys may be attached to a lease; when the lease expires, its keys are deleted
//   (with a delete event) as if a client had deleted them.

import { MeshletError } from './errors.ts';

export interface KeyValue<T = unknown> {
  key: string;
  value: T;
  createRevision: number;
  modRevision: number;
  /** Number of writes since creation (1 on create). */
  version: number;
  lease?: string;
}

export interface StoreEvent<T = unknown> {
  type: 'put' | 'delete';
  /** For put: the new value. For delete: the last value, with modRevision = the delete's revision. */
  kv: KeyValue<T>;
  prevKv?: KeyValue<T>;
  revision: number;
}

export interface RangeOptions {
  /** Return at most this many keys (0 or absent: no limit). */
  limit?: number;
  /** Start strictly after this key (for paging). */
  startAfter?: string;
}

export interface RangeResult<T = unknown> {
  kvs: KeyValue<T>[];
  /** The store revision the range was read at. */
  revision: number;
  /** True when `limit` cut the result. */
  more: boolean;
  /** Total keys under the prefix after startAfter (ignoring limit). */
  count: number;
}

export interface WriteOptions {
  /** Only write if the key's current modRevision equals this. */
  expectedModRevision?: number;
  lease?: string;
}

export interface StoreWatch {
  close(): void;
}

export interface WatchOptions {
  /** Deliver events with revision > afterRevision. Absent: only future events. */
  afterRevision?: number;
}

export type StoreErrorKind = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Compacted' | 'LeaseNotFound' | 'Unavailable';

export class StoreError extends MeshletError {
  readonly kind: StoreErrorKind;
  readonly key: string | undefined;
  constructor(kind: StoreErrorKind, message: string, key?: string, options?: { cause?: unknown }) {
    super(`MESHLET_STORE_${kind.toUpperCase()}`, `control/store: ${message}`, options);
    this.kind = kind;
    this.key = key;
  }
}

export function isStoreError(err: unknown, kind?: StoreErrorKind): err is StoreError {
  return err instanceof StoreError && (kind === undefined || err.kind === kind);
}

export interface Lease {
  id: string;
  ttlSeconds: number;
}

export interface Store {
  /** 'memory', 'file', 'redis' or 'etcd' — for logs and status. */
  readonly backend: string;
  get<T = unknown>(key: string): Promise<KeyValue<T> | undefined>;
  range<T = unknown>(prefix: string, options?: RangeOptions): Promise<RangeResult<T>>;
  create<T = unknown>(key: string, value: T, options?: Pick<WriteOptions, 'lease'>): Promise<KeyValue<T>>;
  update<T = unknown>(key: string, value: T, options?: WriteOptions): Promise<KeyValue<T>>;
  delete<T = unknown>(key: string, options?: Pick<WriteOptions, 'expectedModRevision'>): Promise<KeyValue<T>>;
  watch<T = unknown>(
    prefix: string,
    options: WatchOptions,
    onEvent: (event: StoreEvent<T>) => void,
    onError?: (err: StoreError) => void,
  ): StoreWatch;
  currentRevision(): Promise<number>;
  /** Forget history at or below `revision`; later watches from there fail with Compacted. */
  compact(revision: number): Promise<void>;
  compactedRevision(): Promise<number>;
  grantLease(ttlSeconds: number): Promise<Lease>;
  keepAlive(leaseId: string): Promise<void>;
  revokeLease(leaseId: string): Promise<void>;
  close(): Promise<void>;
}
