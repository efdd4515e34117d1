// Ordered, asynchronous delivery to one watcher. Events are queued in revision
// order and handed to the callback from a microtask, one at a time; a callback
// that throws loses nothing and breaks nothing (its error is dropped — the
// watcher owns its own error handling).

import type { StoreError, StoreEvent } from '../api/index.ts';

export class WatchDelivery<T> {
  private queue: (() => void)[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly onEvent: (event: StoreEvent<T>) => void,
    private readonly onError: ((err: StoreError) => void) | undefined,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  push(event: StoreEvent<T>): void {
    if (this.closed) return;
    this.enqueue(() => this.onEvent(event));
  }

  /** Delivers the error after everything already queued, then stops the watch. */
  fail(err: StoreError): void {
    if (this.closed) return;
    const onError = this.onError;
    this.enqueue(() => {
      this.closed = true;
      onError?.(err);
    });
  }

  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private enqueue(task: () => void): void {
    this.queue.push(task);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    // Re-read the queue each step: a callback may close the watch or cause more events.
    let next = 0;
    while (next < this.queue.length && !this.closed) {
      const task = this.queue[next++] as () => void;
      try {
        task();
      } catch {
        // A throwing watcher must not stall delivery or the store.
      }
    }
    this.queue = this.closed ? [] : this.queue.slice(next);
  }
}
