// Event history and watchers of the in-process store. History is a bounded
// window of the most recent events; events that fall out of it (or that
// `compact` drops) move the compaction point, below which watches fail with
// Compacted. A watch replays the retained history and subscribes in the same
// synchronous step, so nothing falls between replay and live events.

import { StoreError } from '../api/index.ts';
import type { StoreEvent, StoreWatch } from '../api/index.ts';
import { toStoreEvent } from './entry.ts';
import type { EntryEvent } from './entry.ts';
import { WatchDelivery } from './watch-delivery.ts';

interface Subscriber {
  prefix: string;
  deliver: (event: EntryEvent) => void;
  delivery: WatchDelivery<unknown>;
}

export class WatchHub {
  private history: EntryEvent[] = [];
  private historyStart = 0;
  private compacted: number;
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly historyLimit: number, compactedRevision: number) {
    this.compacted = compactedRevision;
  }

  get compactedRevision(): number {
    return this.compacted;
  }

  /** Events are published strictly in revision order. */
  publish(event: EntryEvent): void {
    this.history.push(event);
    if (this.history.length - this.historyStart > this.historyLimit) {
      const dropped = this.history[this.historyStart++] as EntryEvent;
      this.compacted = Math.max(this.compacted, dropped.revision);
      if (this.historyStart > 1024 && this.historyStart * 2 > this.history.length) {
        this.history = this.history.slice(this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const sub of this.subscribers) {
      if (event.kv.key.startsWith(sub.prefix)) sub.deliver(event);
    }
  }

  compact(revision: number): void {
    if (revision <= this.compacted) return;
    this.compacted = revision;
    let drop = this.historyStart;
    while (drop < this.history.length && (this.history[drop] as EntryEvent).revision <= revision) drop++;
    this.history = this.history.slice(drop);
    this.historyStart = 0;
  }

  watch<T>(
    prefix: string,
    afterRevision: number | undefined,
    onEvent: (event: StoreEvent<T>) => void,
    onError: ((err: StoreError) => void) | undefined,
  ): StoreWatch {
    const delivery = new WatchDelivery<T>(onEvent, onError);
    if (afterRevision !== undefined && afterRevision < this.compacted) {
      delivery.fail(
        new StoreError('Compacted', `revision ${afterRevision} has been compacted (oldest retained: ${this.compacted + 1})`),
      );
      return { close: () => delivery.close() };
    }
    if (afterRevision !== undefined) {
      for (let i = this.startIndexAfter(afterRevision); i < this.history.length; i++) {
        const event = this.history[i] as EntryEvent;
        if (event.kv.key.startsWith(prefix)) delivery.push(toStoreEvent<T>(event));
      }
    }
    const sub: Subscriber = {
      prefix,
      deliver: (event) => delivery.push(toStoreEvent<T>(event)),
      delivery: delivery as WatchDelivery<unknown>,
    };
    this.subscribers.add(sub);
    return {
      close: () => {
        delivery.close();
        this.subscribers.delete(sub);
      },
    };
  }

  /** Ends every watch with the given error (store closing or failed). */
  failAll(err: StoreError): void {
    for (const sub of this.subscribers) sub.delivery.fail(err);
    this.subscribers.clear();
  }

  private startIndexAfter(revision: number): number {
    let lo = this.historyStart;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid] as EntryEvent).revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
