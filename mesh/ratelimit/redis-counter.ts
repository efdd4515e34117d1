// The one file that talks to Redis (ioredis). Counters use envoyproxy/ratelimit's
// pipeline: INCRBY key hits, EXPIRE key ttl (+ GET previous window for the
// sliding window), one round trip per check.
//
// A check must never hang a request: the offline queue is off (commands fail at
// once while disconnected), unfulfilled commands are not resent, and every
// pipeline is bounded by `checkTimeoutMs`. ioredis keeps reconnecting in the
// background, so counting resumes by itself when Redis comes back.

import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { CounterOp, CounterResult, WindowCounter } from './counter.ts';
import { RateLimitError } from './errors.ts';

export interface RedisCounterOptions {
  /** `redis://host:port[/db]`, `rediss://…`, or `unix:///path/to/redis.sock`. */
  url: string;
  /** Upper bound on one check's round trip, in ms (default 250). */
  checkTimeoutMs?: number;
  /** Longest pause between reconnect attempts, in ms (default 500). */
  maxReconnectDelayMs?: number;
}

function connectionOptions(url: string): { path?: string; url?: string } {
  const unix = url.match(/^(?:unix|redis\+unix):\/\/(.+)$/);
  return unix ? { path: unix[1]! } : { url };
}

export class RedisCounter implements WindowCounter {
  readonly backend = 'redis';
  private readonly redis: Redis;
  private readonly timeoutMs: number;
  private closed = false;
  /** Last connection error, for diagnostics; cleared when ready. */
  lastError: Error | undefined;

  constructor(options: RedisCounterOptions) {
    this.timeoutMs = options.checkTimeoutMs ?? 250;
    const maxDelay = options.maxReconnectDelayMs ?? 500;
    const base: RedisOptions = {
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
      commandTimeout: this.timeoutMs,
      retryStrategy: (times: number) => Math.min(times * 50, maxDelay),
      lazyConnect: false,
    };
    const target = connectionOptions(options.url);
    this.redis = target.path !== undefined ? new Redis({ ...base, path: target.path }) : new Redis(target.url!, base);
    // Without a listener ioredis would emit unhandled 'error' events and crash the process.
    this.redis.on('error', (err: Error) => {
      this.lastError = err;
    });
    this.redis.on('ready', () => {
      this.lastError = undefined;
    });
  }

  /** True when connected and able to take commands. */
  isReady(): boolean {
    return this.redis.status === 'ready';
  }

  /** Resolves once connected (tests and startup); rejects after `timeoutMs`. */
  async waitReady(timeoutMs = 5000): Promise<void> {
    if (this.isReady()) return;
    await this.bounded(
      new Promise<void>((resolve) => this.redis.once('ready', () => resolve())),
      timeoutMs,
      `redis not ready after ${timeoutMs} ms`,
    );
  }

  private bounded<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RateLimitError('MESHLET_RATELIMIT_BACKEND_TIMEOUT', message)), ms);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  async increment(ops: readonly CounterOp[]): Promise<CounterResult[]> {
    if (this.closed) throw new RateLimitError('MESHLET_RATELIMIT_BACKEND_UNAVAILABLE', 'redis counter is closed');
    const pipeline = this.redis.pipeline();
    for (const op of ops) {
      pipeline.incrby(op.key, op.hits);
      pipeline.expire(op.key, op.expireSeconds);
      if (op.previousKey !== undefined) pipeline.get(op.previousKey);
    }
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await this.bounded(pipeline.exec(), this.timeoutMs, `redis check timed out after ${this.timeoutMs} ms`);
    } catch (err) {
      if (err instanceof RateLimitError) throw err;
      throw new RateLimitError('MESHLET_RATELIMIT_BACKEND_UNAVAILABLE', `redis unavailable: ${(err as Error).message}`, { cause: err });
    }
    if (!replies) throw new RateLimitError('MESHLET_RATELIMIT_BACKEND_UNAVAILABLE', 'redis pipeline returned no replies');
    const results: CounterResult[] = [];
    let i = 0;
    for (const op of ops) {
      const incr = replies[i]!;
      i += 2;
      let previous = 0;
      if (op.previousKey !== undefined) {
        const get = replies[i++]!;
        if (!get[0] && get[1] !== null) previous = Number(get[1]);
      }
      if (incr[0]) throw new RateLimitError('MESHLET_RATELIMIT_BACKEND_UNAVAILABLE', `redis INCRBY failed: ${incr[0].message}`, { cause: incr[0] });
      results.push({ after: Number(incr[1]), previous });
    }
    return results;
  }

  async decrement(key: string, hits: number): Promise<void> {
    try {
      await this.bounded(this.redis.decrby(key, hits), this.timeoutMs, 'redis DECRBY timed out');
    } catch {
      // A lost refund only makes the sliding window slightly stricter.
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.bounded(this.redis.quit(), 500, 'redis quit timed out');
    } catch {
      // Not connected (or slow): drop the connection.
    }
    this.redis.disconnect(false);
  }
}
