// The contract between the sidecar's rate-limit layer (mesh/layers) and the
// limiter implementations (mesh/ratelimit). The layer asks; the service decides.

export interface RateLimitRequest {
  /** Which proxy is asking: the ingress gateway or a pod's sidecar. */
  proxy: { kind: 'sidecar' | 'gateway'; namespace: string; name: string; labels: Record<string, string> };
  direction: 'inbound' | 'outbound';
  /** FQDN of the destination service when known, e.g. reviews.default.svc.cluster.local. */
  destinationService?: string;
  method: string;
  /** Request path including the query string. */
  path: string;
  authority: string;
  headers: Record<string, string | string[] | undefined>;
  sourceIp: string;
  sourceWorkload?: string;
  sourceNamespace?: string;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Set when !allowed: 429 over limit, 500 limiter unavailable with failureModeDeny. */
  status?: 429 | 500;
  /** Headers to add to the response whether allowed or not (X-RateLimit-*, Retry-After, x-envoy-ratelimited). */
  responseHeaders: Record<string, string>;
  /** The policy/descriptor that decided, for access logs and metrics. */
  matched?: string;
}

export interface RateLimitService {
  check(request: RateLimitRequest): Promise<RateLimitDecision> | RateLimitDecision;
  close(): Promise<void>;
}
