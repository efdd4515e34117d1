// mesh/ratelimit: local token buckets and global (shared) limits for the
// sidecar's rate-limit layer. The layer calls RateLimitService.check().

export type { RateLimitRequest, RateLimitDecision, RateLimitService } from './types.ts';
export type { RateLimitServiceOptions, MeshRateLimitService } from './service.ts';
export { createRateLimitService, policyApplies } from './service.ts';
export type { RateLimitPolicySnapshot, RateLimitPolicySource } from './policy-source.ts';
export { StaticPolicySource } from './policy-source.ts';
export type { CompileProblem, CompiledSnapshot } from './compile-snapshot.ts';
export { compileSnapshot } from './compile-snapshot.ts';
export type { CounterOp, CounterResult, WindowCounter } from './counter.ts';
export { InProcessCounter } from './counter.ts';
export type { RedisCounterOptions } from './redis-counter.ts';
export { RedisCounter } from './redis-counter.ts';
export type { DescriptorStats } from './metrics.ts';
export { RateLimitMetrics } from './metrics.ts';
export type { QuotaReport } from './headers.ts';
export { HEADER_LIMIT, HEADER_REMAINING, HEADER_RESET, HEADER_RETRY_AFTER, HEADER_ENVOY_RATELIMITED } from './headers.ts';
export type { CompiledPolicy, LimitHit, TargetMatcher, TokenBucketSpec, WindowSpec } from './model.ts';
export type { BucketOutcome } from './token-bucket.ts';
export { TokenBucket } from './token-bucket.ts';
export type { WindowOutcome } from './window.ts';
export { NEAR_LIMIT_RATIO, counterKey, windowStartSeconds, fixedWindowOutcome, slidingWindowOutcome } from './window.ts';
export type { RateLimitErrorCode } from './errors.ts';
export { RateLimitError } from './errors.ts';
export {
  RATELIMIT_CONFIG_MAP_NAME,
  RATELIMIT_CONFIG_LABEL,
  RATELIMIT_TARGET_ANNOTATION,
  RATELIMIT_FAILURE_MODE_ANNOTATION,
} from './translate-ratelimit-config.ts';
export { ISTIO_ROOT_NAMESPACE } from './translate-envoy-filter.ts';
