// CrashLoopBackOff timing for one container, as kubelet's flowcontrol.Backoff
// keyed by container: the first crash (or the first after a long clean run)
// restarts at once — kubectl shows the terminated reason (Error) meanwhile —
// and each further crash waits 10 s, 20 s, 40 s … capped at 300 s. A container
// that ran resetAfterMs (kubelet: twice the cap, 10 min) since its last restart
// starts over.

import type { RestartBackoffOptions } from './types.ts';

export const DEFAULT_RESTART_BACKOFF: Required<RestartBackoffOptions> = {
  initialMs: 10_000,
  maxMs: 300_000,
  resetAfterMs: 600_000,
  firstRestartMs: 1000,
};

export interface RestartDelay {
  delayMs: number;
  /** True when kubelet would report CrashLoopBackOff (every restart but the first in a row). */
  backingOff: boolean;
}

export class RestartBackoff {
  private readonly options: Required<RestartBackoffOptions>;
  /** Restarts in a row so far (0: the next crash is a first crash). */
  private failures = 0;

  constructor(options: RestartBackoffOptions = {}) {
    this.options = { ...DEFAULT_RESTART_BACKOFF, ...definedOnly(options) };
  }

  /** The delay before the next restart, given how long the failed run lasted. */
  next(ranForMs: number): RestartDelay {
    if (ranForMs >= this.options.resetAfterMs) this.failures = 0;
    const n = this.failures++;
    if (n === 0) return { delayMs: this.options.firstRestartMs, backingOff: false };
    return { delayMs: Math.min(this.options.maxMs, this.options.initialMs * 2 ** (n - 1)), backingOff: true };
  }
}

function definedOnly(options: RestartBackoffOptions): RestartBackoffOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as RestartBackoffOptions;
}
