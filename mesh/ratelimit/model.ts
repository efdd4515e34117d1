// The internal form every rate-limit source compiles to: RateLimitPolicy
// objects, Istio EnvoyFilters (local_ratelimit / ratelimit filters) and
// envoyproxy/ratelimit configs in ConfigMaps. The service only knows this form.

import type { RateLimitAlgorithm, RateLimitUnit } from '../../control/api/ratelimit-policy.ts';
import type { RateLimitRequest } from './types.ts';

/** Where a policy is enforced. */
export type TargetMatcher =
  /** Sidecars of pods with these labels; `namespace` undefined: any namespace (Istio root-namespace EnvoyFilters). */
  | { kind: 'workload'; namespace: string | undefined; labels: Record<string, string> }
  /** Ingress gateways with this name (`*`: any) and, when given, these labels. */
  | { kind: 'gateway'; name: string; labels?: Record<string, string> }
  /** A target that resolves to nothing (e.g. a Service that does not exist yet). */
  | { kind: 'none'; reason: string };

/** One entry of a descriptor, as Envoy and envoyproxy/ratelimit spell them. */
export interface DescriptorEntry {
  key: string;
  value: string;
}

/** Yields a descriptor entry for a request, or undefined when the request lacks it (the limit is skipped). */
/** Yields a descriptor entry for a request, or undefined when the request lacks it (the descriptor is not generated). */
export type DescriptorAction = (request: RateLimitRequest) => DescriptorEntry | undefined;

export type RequestPredicate = (request: RateLimitRequest) => boolean;

/** Envoy local_ratelimit token_bucket. */
export interface TokenBucketSpec {
  maxTokens: number;
  tokensPerFill: number;
  fillIntervalMs: number;
}

export interface WindowSpec {
  requests: number;
  unit: RateLimitUnit;
  algorithm: RateLimitAlgorithm;
}

export type RateSpec = { kind: 'bucket'; bucket: TokenBucketSpec } | { kind: 'window'; window: WindowSpec };

/** One budget a request charges: which limit, keyed by which descriptor entries. */
export interface LimitHit {
  /** Names the limit in metrics (`descriptor` label) and decisions; stable across requests. */
  name: string;
  entries: readonly DescriptorEntry[];
  rate: RateSpec;
  shadowMode: boolean;
}

/** An envoyproxy/ratelimit descriptor tree node (domain config). */
export interface DescriptorTreeNode {
  key: string;
  /** Absent: any value, counted per value. A trailing `*` is a prefix wildcard. */
  value?: string;
  rateLimit?: { requests: number; unit: RateLimitUnit; unlimited: boolean; name?: string };
  shadowMode: boolean;
  children: DescriptorTreeNode[];
}

export interface CompiledPolicy {
  /** e.g. `RateLimitPolicy default/reviews`, `EnvoyFilter istio-system/filter-local-ratelimit-svc`. */
  id: string;
  target: TargetMatcher;
  /** The direction a sidecar enforces it on; gateways enforce every direction. */
  direction: 'inbound' | 'outbound';
  mode: 'local' | 'global';
  /** Counter key domain (global mode). */
  domain: string;
  failureModeDeny: boolean;
  /** Extra headers on rejected responses (Envoy local_ratelimit response_headers_to_add). */
  deniedResponseHeaders?: Record<string, string>;
  /**
   * The budgets a request charges, in evaluation order. Local mode stops at
   * the first over-limit bucket (Envoy's order); global mode counts them all.
   */
  resolve(request: RateLimitRequest): LimitHit[];
}

export const UNIT_SECONDS: Record<RateLimitUnit, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };
