// The rate limiter the sidecar's rate-limit layer calls: picks the policies
// that apply to the asking proxy, charges their budgets (local token buckets
// in this process, global windows in the shared counter) and turns the
// outcome into a decision with X-RateLimit-* headers.

import type { Clock } from '../../control/api/clock.ts';
import { systemClock } from '../../control/api/clock.ts';
import { compileSnapshot } from './compile-snapshot.ts';
import type { CompiledSnapshot, CompileProblem } from './compile-snapshot.ts';
import type { CounterOp, CounterResult, WindowCounter } from './counter.ts';
import { InProcessCounter } from './counter.ts';
import type { QuotaReport } from './headers.ts';
import { overLimitHeaders, quotaHeaders, tighter } from './headers.ts';
import { RateLimitMetrics } from './metrics.ts';
import type { CompiledPolicy, LimitHit, TokenBucketSpec, WindowSpec } from './model.ts';
import { UNIT_SECONDS } from './model.ts';
import type { RateLimitPolicySource } from './policy-source.ts';
import { RedisCounter } from './redis-counter.ts';
import { TokenBucket } from './token-bucket.ts';
import type { RateLimitDecision, RateLimitRequest, RateLimitService } from './types.ts';
import { NEAR_LIMIT_RATIO, counterKey, fixedWindowOutcome, slidingWindowOutcome, windowStartSeconds } from './window.ts';

export interface RateLimitServiceOptions {
  source: RateLimitPolicySource;
  /** Global limits count in this Redis (`redis://…`, `unix:///…`); absent: in-process counters. */
  redisUrl?: string;
  /** Default systemClock. Drives token buckets and windows (not the Redis I/O timeout). */
  clock?: Clock;
  /** Prefix of every global counter key (envoyproxy/ratelimit's CACHE_KEY_PREFIX). Default `meshlet_`. */
  keyPrefix?: string;
  /** Shared metrics registry; default a new one (see `.metrics`). */
  metrics?: RateLimitMetrics;
  /**
   * The global counter to use instead of creating one. Pass one InProcessCounter
   * to every service in a process so all sidecars share one budget without Redis.
   */
  counter?: WindowCounter;
  /** Bound on one global check's Redis round trip, in ms. Default 250. */
  checkTimeoutMs?: number;
  /** Local token buckets kept per service before full ones are dropped. Default 100000. */
  maxLocalBuckets?: number;
}

export interface MeshRateLimitService extends RateLimitService {
  readonly metrics: RateLimitMetrics;
  readonly counter: WindowCounter;
  /** Compiled policies (for proxy-config / explain). */
  policies(): readonly CompiledPolicy[];
  /** Objects that did not compile, with why. */
  problems(): readonly CompileProblem[];
  /** Resolves once the global counter can take checks (Redis connected); rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
}

const ALLOW: RateLimitDecision = Object.freeze({ allowed: true, responseHeaders: Object.freeze({}) as Record<string, string> });

/** A global budget a request charges. */
interface GlobalHit {
  policy: CompiledPolicy;
  hit: LimitHit;
  window: WindowSpec;
}

interface Verdict {
  report: QuotaReport | undefined;
  denied: { retryAfter: number; report: QuotaReport; matched: string; extraHeaders?: Record<string, string> } | undefined;
  matched: string | undefined;
}

export function policyApplies(policy: CompiledPolicy, request: RateLimitRequest): boolean {
  const t = policy.target;
  switch (t.kind) {
    case 'gateway': {
      if (request.proxy.kind !== 'gateway' || (t.name !== '*' && t.name !== request.proxy.name)) return false;
      const labels = request.proxy.labels;
      for (const k in t.labels) if (labels[k] !== t.labels[k]) return false;
      return true;
    }
    case 'workload': {
      if (request.proxy.kind !== 'sidecar' || request.direction !== policy.direction) return false;
      if (t.namespace !== undefined && t.namespace !== request.proxy.namespace) return false;
      const labels = request.proxy.labels;
      for (const k in t.labels) if (labels[k] !== t.labels[k]) return false;
      return true;
    }
    case 'none':
      return false;
  }
}

function sameBucket(a: TokenBucketSpec, b: TokenBucketSpec): boolean {
  return a.maxTokens === b.maxTokens && a.tokensPerFill === b.tokensPerFill && a.fillIntervalMs === b.fillIntervalMs;
}

class RateLimitServiceImpl implements MeshRateLimitService {
  readonly metrics: RateLimitMetrics;
  readonly counter: WindowCounter;
  private readonly clock: Clock;
  private readonly keyPrefix: string;
  private readonly maxBuckets: number;
  private readonly ownsCounter: boolean;
  private readonly buckets = new Map<string, TokenBucket>();
  private compiled: CompiledSnapshot | undefined;
  /**
   * Applicable policies per proxy, keyed by the identity of its labels object
   * (proxies pass the same object on every request; a relabelled pod brings a
   * new one), then by kind/namespace/name/direction. Rebuilt on recompile.
   */
  private applicableCache = new WeakMap<object, Map<string, CompiledPolicy[]>>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly options: RateLimitServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.keyPrefix = options.keyPrefix ?? 'meshlet_';
    this.metrics = options.metrics ?? new RateLimitMetrics();
    this.maxBuckets = options.maxLocalBuckets ?? 100_000;
    this.ownsCounter = options.counter === undefined;
    this.counter =
      options.counter ??
      (options.redisUrl !== undefined
        ? new RedisCounter({ url: options.redisUrl, checkTimeoutMs: options.checkTimeoutMs })
        : new InProcessCounter(this.clock));
    this.unsubscribe = options.source.onChange(() => {
      this.compiled = undefined;
    });
  }

  private current(): CompiledSnapshot {
    if (!this.compiled) {
      this.compiled = compileSnapshot(this.options.source.snapshot());
      this.applicableCache = new WeakMap();
    }
    return this.compiled;
  }

  private applicable(request: RateLimitRequest): readonly CompiledPolicy[] {
    const compiled = this.current();
    const { proxy } = request;
    let perLabels = this.applicableCache.get(proxy.labels);
    if (!perLabels) {
      perLabels = new Map();
      this.applicableCache.set(proxy.labels, perLabels);
    }
    const key = `${proxy.kind}\u0000${proxy.namespace}\u0000${proxy.name}\u0000${request.direction}`;
    let list = perLabels.get(key);
    if (!list) {
      list = compiled.policies.filter((p) => policyApplies(p, request));
      perLabels.set(key, list);
    }
    return list;
  }

  policies(): readonly CompiledPolicy[] {
    return this.current().policies;
  }

  problems(): readonly CompileProblem[] {
    return this.current().problems;
  }

  async ready(timeoutMs = 5000): Promise<void> {
    if (this.counter instanceof RedisCounter) await this.counter.waitReady(timeoutMs);
  }

  check(request: RateLimitRequest): Promise<RateLimitDecision> | RateLimitDecision {
    const policies = this.applicable(request);
    if (policies.length === 0) return ALLOW;
    const verdict: Verdict = { report: undefined, denied: undefined, matched: undefined };
    const global: GlobalHit[] = [];
    for (const policy of policies) {
      const hits = policy.resolve(request);
      if (policy.mode === 'local') this.chargeLocal(request, policy, hits, verdict);
      else for (const hit of hits) if (hit.rate.kind === 'window') global.push({ policy, hit, window: hit.rate.window });
    }
    // Envoy runs the local filter before the global one: a local rejection is never counted globally.
    if (global.length === 0 || verdict.denied) return this.decide(verdict);
    return this.chargeGlobal(global, verdict);
  }

  private bucketFor(request: RateLimitRequest, policy: CompiledPolicy, hit: LimitHit, spec: TokenBucketSpec, nowMs: number): TokenBucket {
    let key = `${request.proxy.kind}/${request.proxy.namespace}/${request.proxy.name}\u0000${policy.id}\u0000${hit.name}`;
    for (const e of hit.entries) key += `\u0000${e.key}=${e.value}`;
    let bucket = this.buckets.get(key);
    if (!bucket || !sameBucket(bucket.spec, spec)) {
      if (this.buckets.size >= this.maxBuckets) this.evictBuckets(nowMs);
      bucket = new TokenBucket(spec, nowMs);
    } else if (this.buckets.size > this.maxBuckets / 2) {
      // Keep insertion order ≈ least recently used once eviction may be near.
      this.buckets.delete(key);
    }
    this.buckets.set(key, bucket);
    return bucket;
  }

  /** Drops full buckets (a new one starts full, so nothing changes); then the least recently used. */
  private evictBuckets(nowMs: number): void {
    for (const [key, b] of this.buckets) if (b.isFull(nowMs)) this.buckets.delete(key);
    const excess = this.buckets.size - Math.floor(this.maxBuckets * 0.9);
    if (excess <= 0) return;
    let n = 0;
    for (const key of this.buckets.keys()) {
      if (n++ >= excess) break;
      this.buckets.delete(key);
    }
  }

  private chargeLocal(request: RateLimitRequest, policy: CompiledPolicy, hits: LimitHit[], verdict: Verdict): void {
    const nowMs = this.clock.now();
    for (const hit of hits) {
      if (hit.rate.kind !== 'bucket') continue;
      const spec = hit.rate.bucket;
      const outcome = this.bucketFor(request, policy, hit, spec, nowMs).tryConsume(nowMs);
      const over = !outcome.allowed;
      const near = !over && outcome.remaining < spec.maxTokens * (1 - NEAR_LIMIT_RATIO);
      this.metrics.recordHit(policy.domain, hit.name, 'local', { over, near, shadow: hit.shadowMode });
      if (hit.shadowMode) continue;
      const report: QuotaReport = {
        limit: spec.maxTokens,
        remaining: outcome.remaining,
        resetSeconds: Math.max(0, Math.ceil(outcome.msUntilFull / 1000)),
        windowSeconds: Math.max(1, Math.round(spec.fillIntervalMs / 1000)),
      };
      this.note(verdict, report, `${policy.id}#${hit.name}`);
      if (over) {
        verdict.denied ??= {
          retryAfter: Math.ceil(outcome.msUntilToken / 1000),
          report,
          matched: `${policy.id}#${hit.name}`,
          extraHeaders: policy.deniedResponseHeaders,
        };
        return;
      }
    }
  }

  private note(verdict: Verdict, report: QuotaReport, matched: string): void {
    const next = tighter(verdict.report, report);
    if (next === report) verdict.matched = matched;
    verdict.report = next;
  }

  private windowOps(global: readonly GlobalHit[], nowMs: number): CounterOp[] {
    return global.map(({ policy, hit, window: w }) => {
      const divider = UNIT_SECONDS[w.unit];
      const start = windowStartSeconds(nowMs, w.unit);
      const key = counterKey(this.keyPrefix, policy.domain, hit.entries, start);
      return w.algorithm === 'sliding-window'
        ? { key, hits: 1, expireSeconds: 2 * divider, previousKey: counterKey(this.keyPrefix, policy.domain, hit.entries, start - divider) }
        : { key, hits: 1, expireSeconds: divider };
    });
  }

  private chargeGlobal(
    global: readonly GlobalHit[],
    verdict: Verdict,
  ): Promise<RateLimitDecision> | RateLimitDecision {
    const nowMs = this.clock.now();
    const ops = this.windowOps(global, nowMs);
    if (this.counter instanceof InProcessCounter) return this.applyGlobal(global, ops, this.counter.incrementNow(ops), nowMs, verdict);
    return this.counter.increment(ops).then(
      (results) => this.applyGlobal(global, ops, results, nowMs, verdict),
      () => this.failureMode(global, verdict),
    );
  }

  private applyGlobal(
    global: readonly GlobalHit[],
    ops: readonly CounterOp[],
    results: readonly CounterResult[],
    nowMs: number,
    verdict: Verdict,
  ): RateLimitDecision {
    global.forEach(({ policy, hit, window: w }, i) => {
      const r = results[i]!;
      const outcome =
        w.algorithm === 'sliding-window'
          ? slidingWindowOutcome(w.requests, r.after, r.previous, 1, nowMs, w.unit)
          : fixedWindowOutcome(w.requests, r.after, nowMs, w.unit);
      if (outcome.refund > 0) void this.counter.decrement(ops[i]!.key, outcome.refund);
      this.metrics.recordHit(policy.domain, hit.name, 'global', { over: outcome.over, near: outcome.near, shadow: hit.shadowMode });
      if (hit.shadowMode) return;
      const report: QuotaReport = {
        limit: w.requests,
        remaining: outcome.remaining,
        resetSeconds: outcome.resetSeconds,
        windowSeconds: UNIT_SECONDS[w.unit],
      };
      this.note(verdict, report, `${policy.id}#${hit.name}`);
      if (outcome.over) verdict.denied ??= { retryAfter: outcome.resetSeconds, report, matched: `${policy.id}#${hit.name}` };
    });
    return this.decide(verdict);
  }

  private failureMode(global: readonly GlobalHit[], verdict: Verdict): RateLimitDecision {
    this.metrics.recordBackendError(this.counter.backend);
    const denying = global.find(({ policy }) => policy.failureModeDeny);
    this.metrics.recordFailureDecision(denying !== undefined);
    if (denying) return { allowed: false, status: 500, responseHeaders: {}, matched: `${denying.policy.id} (counter unavailable)` };
    return this.decide(verdict);
  }

  private decide(verdict: Verdict): RateLimitDecision {
    if (verdict.denied) {
      return {
        allowed: false,
        status: 429,
        responseHeaders: { ...verdict.denied.extraHeaders, ...overLimitHeaders(verdict.denied.report, verdict.denied.retryAfter) },
        matched: verdict.denied.matched,
      };
    }
    if (!verdict.report) return ALLOW;
    return { allowed: true, responseHeaders: quotaHeaders(verdict.report), matched: verdict.matched };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.buckets.clear();
    if (this.ownsCounter) await this.counter.close();
  }
}

export function createRateLimitService(options: RateLimitServiceOptions): MeshRateLimitService {
  return new RateLimitServiceImpl(options);
}
