// Back-off for deleting failed daemon pods, after client-go's flowcontrol.Backoff
// as the DaemonSet controller uses it (1 s doubling to 15 min per DaemonSet
// generation and node): a node agent that keeps failing a pod must not make the
// controller delete and recreate it in a hot loop. Memory only, like
// expectations: forgetting it (a restart) costs one early retry, never a wrong result.

import type { Clock } from '../api/index.ts';
import { systemClock } from '../api/index.ts';

export const FAILED_POD_BACKOFF_INITIAL_MS = 1000;
export const FAILED_POD_BACKOFF_MAX_MS = 15 * 60_000;

interface Entry {
  backoffMs: number;
  lastUpdateMs: number;
}

export class FailedPodBackoff {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.clock = clock;
  }

  /** Entries untouched for twice the maximum start over. */
  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && now - entry.lastUpdateMs > 2 * FAILED_POD_BACKOFF_MAX_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** How long until a failed pod under `key` may be deleted again; 0 when it may be now. */
  waitMs(key: string): number {
    const now = this.clock.now();
    const entry = this.live(key, now);
    if (!entry) return 0;
    return Math.max(0, entry.lastUpdateMs + entry.backoffMs - now);
  }

  /** Records a deletion: the next one waits twice as long (up to the maximum). */
  next(key: string): void {
    const now = this.clock.now();
    const entry = this.live(key, now);
    const backoffMs = entry ? Math.min(entry.backoffMs * 2, FAILED_POD_BACKOFF_MAX_MS) : FAILED_POD_BACKOFF_INITIAL_MS;
    this.entries.set(key, { backoffMs, lastUpdateMs: now });
  }
}
