// The compiled, immutable route table one proxy runs on (what xDS would push
// to one Envoy). Built by compileProxyConfig; read by the request layers and
// by explain/proxy-config. Nothing in here is mutated after compilation.

import type { CorsPolicy, Headers, HTTPMatchRequest, L4MatchAttributes } from '../../control/api/istio.ts';
import type { Labels } from '../../control/api/index.ts';
import type { ProxyIdentity, WorkloadInfo } from './identity.ts';

export type ServiceProtocol = 'HTTP' | 'TCP';

export interface ServicePortInfo {
  number: number;
  name?: string;
  protocol: ServiceProtocol;
  targetPort?: number | string;
}

export interface ServiceInfo {
  /** reviews.default.svc.cluster.local, or the ServiceEntry host. */
  fqdn: string;
  name: string;
  namespace: string;
  kind: 'Service' | 'ServiceEntry';
  /** ClusterIPs / ServiceEntry addresses. */
  addresses: readonly string[];
  ports: readonly ServicePortInfo[];
  /** ServiceEntry location; Services are always MESH_INTERNAL. */
  location: 'MESH_INTERNAL' | 'MESH_EXTERNAL';
  /** Where it came from, e.g. `Service default/reviews`. */
  source: string;
}

export interface EndpointInfo {
  /** IP address, or a DNS name for ServiceEntry DNS endpoints. */
  address: string;
  /** Port the workload listens on. */
  port: number;
  labels: Labels;
  /** Reached through its sidecar's inbound listener (address:15006) rather than directly. */
  meshed: boolean;
  workload?: WorkloadInfo;
}

export type LoadBalancerPolicy =
  | { kind: 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'PASSTHROUGH' }
  | { kind: 'CONSISTENT_HASH'; by: 'header' | 'cookie' | 'sourceIp' | 'queryParam'; name?: string; cookieTtlMs?: number; cookiePath?: string };

export interface ConnectionPoolPolicy {
  /** Concurrent upstream requests allowed before queueing (tcp.maxConnections / http2MaxRequests). */
  maxRequests: number;
  /** Requests allowed to wait for a slot before 503 UO (http.http1MaxPendingRequests). */
  maxPending: number;
  /** Concurrent retries allowed across the cluster (http.maxRetries). */
  maxRetries: number;
  connectTimeoutMs: number;
}

export interface OutlierPolicy {
  consecutive5xx: number;
  consecutiveGateway: number;
  intervalMs: number;
  baseEjectionMs: number;
  maxEjectionPercent: number;
}

export interface ClusterPolicy {
  lb: LoadBalancerPolicy;
  connectionPool?: ConnectionPoolPolicy;
  outlier?: OutlierPolicy;
  /** `DestinationRule ns/name` the policy came from, if any. */
  source?: string;
}

export interface Cluster {
  /** Envoy-style name: `outbound|9080|v1|reviews.default.svc.cluster.local`. */
  name: string;
  service: ServiceInfo;
  port: number;
  subset?: string;
  subsetLabels?: Labels;
  endpoints: readonly EndpointInfo[];
  policy: ClusterPolicy;
}

export interface RetryPolicy {
  /** Retries after the first try (Istio's `attempts`). */
  attempts: number;
  perTryTimeoutMs?: number;
  retryOn: ReadonlySet<string>;
  /** Extra status codes listed in retryOn. */
  retriableStatusCodes: ReadonlySet<number>;
  backoffBaseMs: number;
  /** True when the route set no policy and Istio's default applies. */
  isDefault: boolean;
}

export interface FaultPolicy {
  delay?: { ms: number; percent: number };
  abort?: { status: number; percent: number };
}

export interface WeightedDestination {
  cluster: string;
  host: string;
  subset?: string;
  port: number;
  weight: number;
  headers?: Headers;
}

export interface CompiledHttpRoute {
  /** `VirtualService ns/name`, `Ingress ns/name`, or `default` for the implicit route. */
  origin: string;
  /** Index of the rule in its VirtualService's http list (or ingress path). */
  ruleIndex: number;
  name?: string;
  /** Namespace of the object the rule came from (for sourceNamespace/gateways). */
  namespace: string;
  /** Match blocks (OR); empty = matches every request. */
  matches: readonly HTTPMatchRequest[];
  destinations: readonly WeightedDestination[];
  redirect?: { uri?: string; authority?: string; port?: number; scheme?: string; code: number; derivePort?: string };
  directResponse?: { status: number; body?: Buffer };
  rewrite?: { uri?: string; authority?: string; uriRegex?: { match: string; rewrite: string } };
  timeoutMs?: number;
  retry: RetryPolicy;
  fault?: FaultPolicy;
  mirrors: readonly { cluster: string; host: string; port: number; percent: number }[];
  cors?: CorsPolicy;
  headers?: Headers;
}

/** Routes for one `host:port` a sidecar sends to (Envoy's outbound route config + virtual host). */
export interface VirtualHost {
  /** `reviews.default.svc.cluster.local:9080` */
  name: string;
  service: ServiceInfo;
  port: number;
  protocol: ServiceProtocol;
  /** VirtualServices that contributed, in order. */
  virtualServices: readonly string[];
  routes: readonly CompiledHttpRoute[];
  tcpRoutes: readonly CompiledTcpRoute[];
}

export interface CompiledTcpRoute {
  origin: string;
  ruleIndex: number;
  namespace: string;
  matches: readonly L4MatchAttributes[];
  destinations: readonly WeightedDestination[];
}

/**
 * A gateway's HTTP virtual host: one host pattern with the routes of every
 * VirtualService (then Ingress) bound to the gateway for it, merged in
 * creation order as Istio merges them.
 */
export interface GatewayHost {
  /** Host pattern (lower-case; `*` and `*.x` wildcards). */
  domain: string;
  /** `VirtualService ns/name` / `Ingress ns/name` that contributed, in route order. */
  origins: readonly string[];
  routes: readonly CompiledHttpRoute[];
}

export interface GatewayServerInfo {
  gateway: string;
  port: number;
  protocol: string;
  hosts: readonly string[];
}

export interface RouteTable {
  revision: number;
  proxy: ProxyIdentity;
  self: WorkloadInfo;
  services: readonly ServiceInfo[];
  /** By cluster name. */
  clusters: ReadonlyMap<string, Cluster>;
  /** Sidecar outbound virtual hosts by `fqdn:port`. */
  virtualHosts: ReadonlyMap<string, VirtualHost>;
  /** Service lookups: FQDN → service, address → service. */
  servicesByHost: ReadonlyMap<string, ServiceInfo>;
  servicesByAddress: ReadonlyMap<string, ServiceInfo>;
  /** Sidecar only: the service (and its port) that reaches this pod on a workload port. */
  inboundServices: ReadonlyMap<number, { service: ServiceInfo; port: number }>;
  /** Workloads by pod IP, for identifying the source of inbound requests. */
  workloadsByIp: ReadonlyMap<string, WorkloadInfo>;
  /** Gateway only: servers of the Gateways that select this proxy. */
  gatewayServers: readonly GatewayServerInfo[];
  /** Gateway only: HTTP hosts, in precedence order. */
  gatewayHosts: readonly GatewayHost[];
  /** Gateway only: TCP routes per server port. */
  gatewayTcp: ReadonlyMap<number, readonly CompiledTcpRoute[]>;
  /** Non-fatal problems met while compiling (unknown subset, unknown host …). */
  warnings: readonly string[];
}
