// A de-duplicating work queue with per-key exponential backoff, shaped like
// client-go's workqueue: a key is never processed by two workers at once; a
// key added while it is being processed is queued again once it is done.

import type { Clock, Timer } from '../api/index.ts';
import { systemClock } from '../api/index.ts';

export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay; doubles per consecutive failure. Default 5 ms (client-go's default). */
  baseDelayMs?: number;
  /** Ceiling for the retry delay. Default 30 s. */
  maxDelayMs?: number;
  /** Orders waiting keys (true: `a` before `b`), as the scheduler's QueueSort; default first in, first out. */
  less?: (a: string, b: string) => boolean;
}

export class WorkQueue {
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly less: ((a: string, b: string) => boolean) | undefined;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, Timer>();
  private waiters: (() => void)[] = [];
  private shutDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.less = options.less;
  }

  add(key: string): void {
    if (this.shutDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    if (this.less) this.queue.splice(this.insertionIndex(key, this.less), 0, key);
    else this.queue.push(key);
    this.wake();
  }

  /** Adds the key after a delay; an earlier pending delayed add for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shutDown) return;
    if (delayMs <= 0) return this.add(key);
    if (this.delayed.has(key)) return;
    this.delayed.set(
      key,
      this.clock.setTimer(delayMs, () => {
        this.delayed.delete(key);
        this.add(key);
      }),
    );
  }

  /** Requeues after the key's backoff delay and counts a failure. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n));
  }

  /** Clears the failure count (call after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Waits for the next key; resolves undefined once the queue is shut down. */
  async get(): Promise<string | undefined> {
    for (;;) {
      if (this.shutDown) return undefined;
      const key = this.queue.shift();
      if (key !== undefined) {
        this.queued.delete(key);
        this.processing.add(key);
        return key;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Marks processing of the key finished; re-queues it if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  get length(): number {
    return this.queue.length;
  }

  /** True when nothing is queued, being processed or waiting on a delay. */
  idle(): boolean {
    return this.queue.length === 0 && this.processing.size === 0 && this.delayed.size === 0;
  }

  shutdown(): void {
    this.shutDown = true;
    for (const t of this.delayed.values()) t.cancel();
    this.delayed.clear();
    this.wake();
  }

  /** After every key that is not after `key`: equal keys keep their arrival order. */
  private insertionIndex(key: string, less: (a: string, b: string) => boolean): number {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (less(key, this.queue[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
