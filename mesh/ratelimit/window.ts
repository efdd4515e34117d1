// Window arithmetic for global limits.
//
// fixed-window is envoyproxy/ratelimit's scheme: one counter per descriptor
// per window (`windowStart = floor(now / unit) * unit`, in seconds), every hit
// increments it, over limit once the count exceeds the limit.
//
// sliding-window is the weighted two-window counter: the estimate is
// `previous * (1 - elapsed/window) + current`. It smooths the fixed window's
// boundary burst (a fixed window can admit 2× the limit within one window's
// length, straddling a boundary) at the price of one extra read per check and
// an approximation that assumes the previous window's hits were spread evenly.
// Rejected hits are refunded so a sustained overload cannot starve the next window.

import type { DescriptorEntry } from './model.ts';
import { UNIT_SECONDS } from './model.ts';
import type { RateLimitUnit } from '../../control/api/ratelimit-policy.ts';

export const NEAR_LIMIT_RATIO = 0.8;

export function windowStartSeconds(nowMs: number, unit: RateLimitUnit): number {
  const divider = UNIT_SECONDS[unit];
  return Math.floor(nowMs / 1000 / divider) * divider;
}

/** envoyproxy/ratelimit's cache key: prefix + domain + "_" + (key + "_" + value + "_")* + windowStart. */
export function counterKey(prefix: string, domain: string, entries: readonly DescriptorEntry[], windowStart: number): string {
  let key = `${prefix}${domain}_`;
  for (const e of entries) key += `${e.key}_${e.value}_`;
  return key + String(windowStart);
}

export interface WindowOutcome {
  over: boolean;
  near: boolean;
  remaining: number;
  /** Seconds until the window (fixed) or the oldest counted hits (sliding) stop counting. */
  resetSeconds: number;
  /** Hits to give back (sliding window refunds rejected hits). */
  refund: number;
}

export function fixedWindowOutcome(limit: number, after: number, nowMs: number, unit: RateLimitUnit): WindowOutcome {
  const divider = UNIT_SECONDS[unit];
  const end = (windowStartSeconds(nowMs, unit) + divider) * 1000;
  return {
    over: after > limit,
    near: after <= limit && after > Math.floor(limit * NEAR_LIMIT_RATIO),
    remaining: Math.max(0, limit - after),
    resetSeconds: Math.max(1, Math.ceil((end - nowMs) / 1000)),
    refund: 0,
  };
}

export function slidingWindowOutcome(
  limit: number,
  after: number,
  previous: number,
  hits: number,
  nowMs: number,
  unit: RateLimitUnit,
): WindowOutcome {
  const windowMs = UNIT_SECONDS[unit] * 1000;
  const elapsed = nowMs - windowStartSeconds(nowMs, unit) * 1000;
  const weight = 1 - elapsed / windowMs;
  const estimate = previous * weight + after;
  const over = estimate > limit;
  const used = Math.ceil(over ? estimate - hits : estimate);
  // When the previous window no longer matters the budget frees at this window's end;
  // before that, roughly when the previous window's weight has decayed enough.
  const excess = estimate - limit;
  const resetMs =
    over && previous > 0 ? Math.min(windowMs - elapsed + windowMs, Math.ceil((excess / previous) * windowMs)) : windowMs - elapsed;
  return {
    over,
    near: !over && estimate > Math.floor(limit * NEAR_LIMIT_RATIO),
    remaining: Math.max(0, limit - used),
    resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
    refund: over ? hits : 0,
  };
}
