// Envoy local_ratelimit's token bucket with exact integer math.
//
// Tokens are stored scaled by fill_interval (in ms), so a refill of
// `elapsedMs * tokensPerFill` scaled units is exact and fractional tokens carry
// over (tokens_per_fill: 10 every 1s → 2.5 tokens after 250 ms, 2 usable, the
// half kept). Refill is continuous at tokens_per_fill / fill_interval, capped at
// max_tokens; the bucket starts full.

import type { TokenBucketSpec } from './model.ts';

export interface BucketOutcome {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Milliseconds until at least one whole token is available (0 when one is). */
  msUntilToken: number;
  /** Milliseconds until the bucket is full again. */
  msUntilFull: number;
}

export class TokenBucket {
  private scaled: number;
  private lastMs: number;
  private readonly capacity: number;

  constructor(
    readonly spec: TokenBucketSpec,
    nowMs: number,
  ) {
    this.capacity = spec.maxTokens * spec.fillIntervalMs;
    this.scaled = this.capacity;
    this.lastMs = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsed = nowMs - this.lastMs;
    if (elapsed <= 0) return;
    this.lastMs = nowMs;
    const missing = this.capacity - this.scaled;
    // Compare before multiplying so long idle periods cannot lose precision.
    this.scaled = elapsed >= Math.ceil(missing / this.spec.tokensPerFill) ? this.capacity : this.scaled + elapsed * this.spec.tokensPerFill;
  }

  /** Whole tokens available now (refilling first). */
  tokens(nowMs: number): number {
    this.refill(nowMs);
    return Math.floor(this.scaled / this.spec.fillIntervalMs);
  }

  /** True when the bucket is full at `nowMs`: dropping it loses nothing. */
  isFull(nowMs: number): boolean {
    this.refill(nowMs);
    return this.scaled >= this.capacity;
  }

  tryConsume(nowMs: number, tokens = 1): BucketOutcome {
    this.refill(nowMs);
    const cost = tokens * this.spec.fillIntervalMs;
    const allowed = this.scaled >= cost;
    if (allowed) this.scaled -= cost;
    const perMs = this.spec.tokensPerFill;
    return {
      allowed,
      remaining: Math.floor(this.scaled / this.spec.fillIntervalMs),
      msUntilToken: this.scaled >= this.spec.fillIntervalMs ? 0 : Math.ceil((this.spec.fillIntervalMs - this.scaled) / perMs),
      msUntilFull: Math.ceil((this.capacity - this.scaled) / perMs),
    };
  }
}
