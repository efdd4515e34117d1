// CrashLoopBackOff timing for a pod restarted as a unit: the delay doubles per
// consecutive failure up to a ceiling, and a pod that ran long enough before
// failing starts over at the initial delay (kubelet: 10 s doubling to 5 min,
// reset after 10 min; meshlet's defaults are shorter for a laptop).

import type { RestartBackoffOptions } from './types.ts';

export class RestartBackoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly resetAfterMs: number;
  private failures = 0;

  constructor(options: RestartBackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1000;
    this.maxMs = options.maxMs ?? 30_000;
    this.resetAfterMs = options.resetAfterMs ?? 60_000;
  }

  /** The delay before the next restart, given how long the failed run lasted. */
  next(ranForMs: number): number {
    if (ranForMs >= this.resetAfterMs) this.failures = 0;
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** this.failures);
    this.failures++;
    return delay;
  }
}
