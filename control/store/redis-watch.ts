// Watches of the Redis backend. One tailer per process reads the event stream
// with XREAD BLOCK on its own connection and fans events out to local
// watchers. A watcher that starts behind the tailer first catches up with
// XRANGE on the command connection while buffering what the tailer delivers,
// then splices the two at its cursor (the last revision it has processed), so
// it sees every revision once, in order. A gap in the stream where the
// watcher needs events means they were compacted.

import { StoreError } from '../api/index.ts';
import type { Clock, StoreEvent, StoreWatch } from '../api/index.ts';
import { toStoreEvent } from './entry.ts';
import type { Entry, EntryEvent } from './entry.ts';
import type { RedisConnection } from './redis-client.ts';
import { WatchDelivery } from './watch-delivery.ts';

const PAGE = 1000;

interface Subscriber {
  prefix: string;
  delivery: WatchDelivery<unknown>;
  /** Last revision this watcher has processed (delivered or filtered out). */
  cursor: number;
  /** Live events held back while catching up; undefined once live. */
  buffer: EntryEvent[] | undefined;
}

export class RedisWatchHub {
  private readonly subs = new Set<Subscriber>();
  private closed = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly main: RedisConnection,
    private readonly blocking: RedisConnection,
    private readonly keyPrefix: string,
    private readonly clock: Clock,
    /** Revision the tailer starts after (the store's revision at open). */
    private tailRevision: number,
  ) {}

  start(): void {
    this.loop = this.tail();
  }

  watch<T>(prefix: string, afterRevision: number | undefined, onEvent: (e: StoreEvent<T>) => void, onError: ((e: StoreError) => void) | undefined): StoreWatch {
    const delivery = new WatchDelivery<T>(onEvent, onError) as WatchDelivery<unknown>;
    const behind = afterRevision !== undefined && afterRevision < this.tailRevision;
    const sub: Subscriber = { prefix, delivery, cursor: afterRevision ?? this.tailRevision, buffer: behind ? [] : undefined };
    if (this.closed) {
      delivery.fail(new StoreError('Unavailable', 'store is closed'));
      return { close: () => delivery.close() };
    }
    this.subs.add(sub);
    if (behind) void this.catchUp(sub);
    return {
      close: () => {
        delivery.close();
        this.subs.delete(sub);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.blocking.disconnect();
    await this.loop;
    this.failAll(new StoreError('Unavailable', 'store is closed'));
  }

  private failAll(err: StoreError): void {
    for (const sub of this.subs) sub.delivery.fail(err);
    this.subs.clear();
  }

  private fail(sub: Subscriber, err: StoreError): void {
    this.subs.delete(sub);
    sub.delivery.fail(err);
  }

  private get streamKey(): string {
    return `${this.keyPrefix}events`;
  }

  private async tail(): Promise<void> {
    while (!this.closed) {
      let reply: unknown;
      try {
        reply = await this.blocking.call('XREAD', 'COUNT', PAGE, 'BLOCK', 1000, 'STREAMS', this.streamKey, `${this.tailRevision}-0`);
      } catch {
        if (this.closed) return;
        await new Promise<void>((resolve) => this.clock.setTimer(200, resolve));
        continue;
      }
      const entries = parseXread(reply);
      if (entries.length === 0) {
        await this.checkForReset();
        continue;
      }
      for (const event of entries) {
        if (event.revision <= this.tailRevision) continue;
        if (event.revision > this.tailRevision + 1) {
          // This process fell behind the stream's trimming: live watchers would miss events.
          this.failAll(new StoreError('Compacted', `watch fell behind: revisions ${this.tailRevision + 1}..${event.revision - 1} were compacted`));
        }
        this.tailRevision = event.revision;
        this.fanOut(event);
      }
    }
  }

  /**
   * An idle stream may also mean Redis lost its data (restart without
   * persistence, FLUSHALL): revisions then restart below ours and XREAD would
   * wait forever. Watchers must relist, as after a compaction.
   */
  private async checkForReset(): Promise<void> {
    let revision: number;
    try {
      revision = Number((await this.main.call('GET', `${this.keyPrefix}rev`)) ?? 1);
    } catch {
      return;
    }
    if (revision >= this.tailRevision) return;
    const from = this.tailRevision;
    this.tailRevision = revision;
    this.failAll(new StoreError('Compacted', `redis state was reset (revision went back from ${from} to ${revision}); relist`));
  }

  private fanOut(event: EntryEvent): void {
    for (const sub of this.subs) {
      if (sub.buffer) sub.buffer.push(event);
      else this.process(sub, event);
    }
  }

  private process(sub: Subscriber, event: EntryEvent): void {
    if (event.revision <= sub.cursor) return;
    sub.cursor = event.revision;
    if (event.kv.key.startsWith(sub.prefix)) sub.delivery.push(toStoreEvent(event));
  }

  private async catchUp(sub: Subscriber): Promise<void> {
    try {
      const compacted = Number((await this.main.call('GET', `${this.keyPrefix}compact`)) ?? 0);
      if (sub.cursor < compacted) {
        this.fail(sub, compactedError(sub.cursor, compacted));
        return;
      }
      for (;;) {
        const page = parseEntries(await this.main.call('XRANGE', this.streamKey, `${sub.cursor + 1}-0`, '+', 'COUNT', PAGE));
        if (sub.delivery.isClosed || !this.subs.has(sub)) return;
        const first = page[0];
        if (first && first.revision !== sub.cursor + 1) {
          this.fail(sub, compactedError(sub.cursor, first.revision - 1));
          return;
        }
        for (const event of page) this.process(sub, event);
        if (page.length < PAGE) break;
      }
      const buffered = sub.buffer ?? [];
      const next = buffered[0]?.revision ?? this.tailRevision + 1;
      if (sub.cursor < next - 1) {
        this.fail(sub, compactedError(sub.cursor, next - 1));
        return;
      }
      sub.buffer = undefined;
      for (const event of buffered) this.process(sub, event);
    } catch (err) {
      this.fail(sub, new StoreError('Unavailable', 'redis: reading watch history failed', undefined, { cause: err }));
    }
  }
}

function compactedError(after: number, compacted: number): StoreError {
  return new StoreError('Compacted', `revision ${after} has been compacted (oldest retained: ${compacted + 1})`);
}

function parseXread(reply: unknown): EntryEvent[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const stream = reply[0] as [string, unknown];
  return parseEntries(stream[1]);
}

function parseEntries(reply: unknown): EntryEvent[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((raw) => {
    const [id, flat] = raw as [string, string[]];
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i] as string, flat[i + 1] as string);
    const revision = Number(id.split('-')[0]);
    const event: EntryEvent = {
      type: f.get('t') === 'delete' ? 'delete' : 'put',
      kv: entryOf(f.get('k') ?? '', f.get('v'), f.get('c'), f.get('m'), f.get('ver'), f.get('l')),
      revision,
    };
    if (f.has('pv')) event.prev = entryOf(event.kv.key, f.get('pv'), f.get('pc'), f.get('pm'), f.get('pver'), f.get('pl'));
    return event;
  });
}

export function entryOf(key: string, json?: string, c?: string, m?: string, ver?: string, lease?: string): Entry {
  const entry: Entry = { key, json: json ?? 'null', createRevision: Number(c), modRevision: Number(m), version: Number(ver) };
  if (lease) entry.lease = lease;
  return entry;
}
