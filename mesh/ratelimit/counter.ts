// Where global-limit counters live. Both backends have the same semantics as
// envoyproxy/ratelimit's Redis use: INCRBY the window key, EXPIRE it, and
// (sliding window) read the previous window's key, in one round trip.

import type { Clock } from '../../control/api/clock.ts';

export interface CounterOp {
  key: string;
  hits: number;
  expireSeconds: number;
  /** Also read this key (the previous window, for the sliding window). */
  previousKey?: string;
}

export interface CounterResult {
  /** The key's count after the increment. */
  after: number;
  /** The previous key's count (0 when absent or not asked). */
  previous: number;
}

export interface WindowCounter {
  /** Which backend, for metrics and errors (`memory`, `redis`). */
  readonly backend: string;
  increment(ops: readonly CounterOp[]): Promise<CounterResult[]>;
  /** Gives hits back (a rejected sliding-window hit). Best effort. */
  decrement(key: string, hits: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * In-process counters with Redis's expiry semantics, driven by the injected
 * clock. Share one instance between every sidecar of the process so they
 * share one budget, as they would through Redis.
 */
export class InProcessCounter implements WindowCounter {
  readonly backend = 'memory';
  private readonly counts = new Map<string, { count: number; expiresAtMs: number }>();
  private lastSweepMs = 0;

  constructor(private readonly clock: Clock) {}

  private read(key: string, nowMs: number): number {
    const entry = this.counts.get(key);
    if (!entry) return 0;
    if (entry.expiresAtMs <= nowMs) {
      this.counts.delete(key);
      return 0;
    }
    return entry.count;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < 1000) return;
    this.lastSweepMs = nowMs;
    for (const [key, entry] of this.counts) if (entry.expiresAtMs <= nowMs) this.counts.delete(key);
  }

  incrementNow(ops: readonly CounterOp[]): CounterResult[] {
    const nowMs = this.clock.now();
    this.sweep(nowMs);
    return ops.map((op) => {
      const after = this.read(op.key, nowMs) + op.hits;
      this.counts.set(op.key, { count: after, expiresAtMs: nowMs + op.expireSeconds * 1000 });
      return { after, previous: op.previousKey === undefined ? 0 : this.read(op.previousKey, nowMs) };
    });
  }

  increment(ops: readonly CounterOp[]): Promise<CounterResult[]> {
    return Promise.resolve(this.incrementNow(ops));
  }

  decrement(key: string, hits: number): Promise<void> {
    const entry = this.counts.get(key);
    if (entry) entry.count -= hits;
    return Promise.resolve();
  }

  /** Number of live keys (tests, metrics). */
  size(): number {
    return this.counts.size;
  }

  close(): Promise<void> {
    this.counts.clear();
    return Promise.resolve();
  }
}
