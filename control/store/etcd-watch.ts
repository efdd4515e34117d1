// One Store watch = one etcd watch stream. The stream is created with
// start_revision = cursor + 1, where the cursor is the last revision this
// watcher has processed; if the stream breaks (member killed, connection
// lost) it is re-created from the cursor on whichever member answers, so the
// watcher sees every revision once, in order, across member failures. etcd's
// compacted cancel (compact_revision set) ends the watch with Compacted.
//
// The stream is our own rather than etcd3's Watcher because that one resumes
// from the revision in the last response header, which skips history still
// being replayed when the stream breaks.

import type { Etcd3, IEvent, IKeyValue, IWatchResponse } from 'etcd3';
import { StoreError } from '../api/index.ts';
import type { Clock, StoreEvent, StoreWatch } from '../api/index.ts';
import { etcdRange, leaseFromWire } from './etcd-client.ts';
import type { Entry, EntryEvent } from './entry.ts';
import { toStoreEvent } from './entry.ts';
import { WatchDelivery } from './watch-delivery.ts';

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;

export interface EtcdWatchContext {
  client: Etcd3;
  keyPrefix: string;
  clock: Clock;
}

type WatchStream = Awaited<ReturnType<Etcd3['watchClient']['watch']>>;

export class EtcdWatch<T> implements StoreWatch {
  private readonly delivery: WatchDelivery<T>;
  /** Last revision processed; undefined until a future-only watch learns where it starts. */
  private cursor: number | undefined;
  private stream: WatchStream | undefined;
  private retryMs = RETRY_MIN_MS;
  private closed = false;

  constructor(
    private readonly context: EtcdWatchContext,
    private readonly prefix: string,
    afterRevision: number | undefined,
    onEvent: (event: StoreEvent<T>) => void,
    onError: ((err: StoreError) => void) | undefined,
  ) {
    this.delivery = new WatchDelivery<T>(onEvent, onError);
    this.cursor = afterRevision;
    void this.open();
  }

  close(): void {
    this.closed = true;
    this.delivery.close();
    this.stream?.cancel();
    this.stream = undefined;
  }

  /** Ends the watch with an error (the store is closing, or etcd said Compacted). */
  fail(err: StoreError): void {
    if (this.closed) return;
    this.closed = true;
    this.stream?.cancel();
    this.stream = undefined;
    this.delivery.fail(err);
  }

  private async open(): Promise<void> {
    if (this.closed) return;
    let stream: WatchStream;
    try {
      stream = await this.context.client.watchClient.watch();
    } catch {
      this.retryLater();
      return;
    }
    if (this.closed) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    let ended = false;
    const broken = () => {
      if (ended) return;
      ended = true;
      if (this.stream === stream) this.stream = undefined;
      stream.cancel();
      this.retryLater();
    };
    stream.on('data', (res: IWatchResponse) => this.handle(res));
    stream.on('error', broken);
    stream.on('end', broken);
    const range = etcdRange(this.context.keyPrefix, this.prefix);
    stream.write({
      create_request: {
        ...range,
        prev_kv: true,
        ...(this.cursor === undefined ? {} : { start_revision: this.cursor + 1 }),
      },
    });
  }

  private retryLater(): void {
    if (this.closed) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    this.context.clock.setTimer(delay, () => void this.open());
  }

  private handle(res: IWatchResponse): void {
    if (this.closed) return;
    if (res.compact_revision && res.compact_revision !== '0') {
      const oldest = Number(res.compact_revision);
      this.fail(new StoreError('Compacted', `revision ${String(this.cursor)} has been compacted (oldest retained: ${oldest})`));
      return;
    }
    if (res.canceled) {
      this.fail(new StoreError('Unavailable', `etcd: watch canceled: ${res.cancel_reason}`));
      return;
    }
    this.retryMs = RETRY_MIN_MS;
    // A future-only watch starts after the revision etcd created it at.
    if (res.created && this.cursor === undefined) this.cursor = Number(res.header.revision);
    let last = this.cursor ?? 0;
    for (const event of res.events) {
      const revision = Number(event.kv.mod_revision);
      // Re-created streams replay from the cursor; anything at or before it was already delivered.
      if (this.cursor !== undefined && revision <= this.cursor) continue;
      this.delivery.push(toStoreEvent<T>(this.toEntryEvent(event, revision)));
      last = Math.max(last, revision);
    }
    if (res.events.length > 0) this.cursor = last;
  }

  private toEntryEvent(event: IEvent, revision: number): EntryEvent {
    const prev = event.prev_kv ? entryOfKv(this.context.keyPrefix, event.prev_kv) : undefined;
    if (event.type === 'Delete') {
      // etcd's delete event carries only the key; the Store's carries the last value at the delete's revision.
      const last: Entry = prev ? { ...prev, modRevision: revision } : { key: unprefixed(this.context.keyPrefix, event.kv.key), json: 'null', createRevision: 0, modRevision: revision, version: 0 };
      return prev ? { type: 'delete', kv: last, prev, revision } : { type: 'delete', kv: last, revision };
    }
    const kv = entryOfKv(this.context.keyPrefix, event.kv);
    return prev ? { type: 'put', kv, prev, revision } : { type: 'put', kv, revision };
  }
}

function unprefixed(keyPrefix: string, key: Buffer): string {
  return key.toString('utf8').slice(keyPrefix.length);
}

export function entryOfKv(keyPrefix: string, kv: IKeyValue): Entry {
  const entry: Entry = {
    key: unprefixed(keyPrefix, kv.key),
    json: kv.value.length ? kv.value.toString('utf8') : 'null',
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
  };
  const lease = leaseFromWire(kv.lease);
  if (lease !== undefined) entry.lease = lease;
  return entry;
}
