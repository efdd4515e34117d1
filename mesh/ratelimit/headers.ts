// Response headers for rate-limited and allowed requests
// (draft-polli-ratelimit-headers-03, as envoyproxy/ratelimit sends them).

export const HEADER_LIMIT = 'X-RateLimit-Limit';
export const HEADER_REMAINING = 'X-RateLimit-Remaining';
export const HEADER_RESET = 'X-RateLimit-Reset';
export const HEADER_RETRY_AFTER = 'Retry-After';
export const HEADER_ENVOY_RATELIMITED = 'x-envoy-ratelimited';

/** The quota a response reports: the tightest limit the request charged. */
export interface QuotaReport {
  limit: number;
  remaining: number;
  resetSeconds: number;
  /** The quota policy window, in seconds (`limit;w=window`). */
  windowSeconds: number;
}

export function quotaHeaders(q: QuotaReport): Record<string, string> {
  return {
    [HEADER_LIMIT]: `${q.limit}, ${q.limit};w=${q.windowSeconds}`,
    [HEADER_REMAINING]: String(q.remaining),
    [HEADER_RESET]: String(q.resetSeconds),
  };
}

export function overLimitHeaders(q: QuotaReport, retryAfterSeconds: number): Record<string, string> {
  return {
    ...quotaHeaders(q),
    [HEADER_RETRY_AFTER]: String(Math.max(1, retryAfterSeconds)),
    [HEADER_ENVOY_RATELIMITED]: 'true',
  };
}

/** Picks the tightest quota: least remaining, then the later reset. */
export function tighter(a: QuotaReport | undefined, b: QuotaReport): QuotaReport {
  if (!a) return b;
  if (b.remaining !== a.remaining) return b.remaining < a.remaining ? b : a;
  return b.resetSeconds > a.resetSeconds ? b : a;
}
