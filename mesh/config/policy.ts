// DestinationRule → per-cluster traffic policy. Lookup order follows Istio:
// a rule in the client's namespace, then the service's namespace, then the
// root namespace (istio-system); within one namespace the most specific host wins.

import type { DestinationRule, TrafficPolicy } from '../../control/api/istio.ts';
import { hostMatches, hostSpecificity, parseDurationMs, qualifyHost } from './hosts.ts';
import type { ClusterPolicy, ConnectionPoolPolicy, LoadBalancerPolicy, OutlierPolicy } from './table.ts';

export const ROOT_NAMESPACE = 'istio-system';
const UNLIMITED = 2 ** 32 - 1;

export function findDestinationRule(
  rules: readonly DestinationRule[],
  fqdn: string,
  clientNamespace: string,
  serviceNamespace: string,
): DestinationRule | undefined {
  for (const ns of [clientNamespace, serviceNamespace, ROOT_NAMESPACE]) {
    let best: DestinationRule | undefined;
    let bestScore = -1;
    for (const dr of rules) {
      const drNs = dr.metadata.namespace ?? 'default';
      if (drNs !== ns || !dr.spec?.host) continue;
      if (!isVisibleTo(dr.spec.exportTo, drNs, clientNamespace)) continue;
      const pattern = qualifyHost(dr.spec.host, drNs);
      if (!hostMatches(pattern, fqdn)) continue;
      const score = hostSpecificity(pattern);
      if (score > bestScore) {
        best = dr;
        bestScore = score;
      }
    }
    if (best) return best;
  }
  return undefined;
}

/** exportTo semantics: absent or `*` = everywhere, `.` = own namespace, else listed namespaces. */
export function isVisibleTo(exportTo: readonly string[] | undefined, ownNamespace: string, clientNamespace: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || (e === '.' && ownNamespace === clientNamespace) || e === clientNamespace);
}

function loadBalancerOf(policy: TrafficPolicy | undefined): LoadBalancerPolicy | undefined {
  const lb = policy?.loadBalancer;
  if (!lb) return undefined;
  const ch = lb.consistentHash;
  if (ch) {
    if (ch.httpHeaderName) return { kind: 'CONSISTENT_HASH', by: 'header', name: ch.httpHeaderName.toLowerCase() };
    if (ch.httpCookie) return { kind: 'CONSISTENT_HASH', by: 'cookie', name: ch.httpCookie.name, cookieTtlMs: parseDurationMs(ch.httpCookie.ttl), cookiePath: ch.httpCookie.path };
    if (ch.useSourceIp) return { kind: 'CONSISTENT_HASH', by: 'sourceIp' };
    if (ch.httpQueryParameterName) return { kind: 'CONSISTENT_HASH', by: 'queryParam', name: ch.httpQueryParameterName };
  }
  switch (lb.simple) {
    case 'RANDOM':
      return { kind: 'RANDOM' };
    case 'PASSTHROUGH':
      return { kind: 'PASSTHROUGH' };
    case 'LEAST_REQUEST':
    case 'LEAST_CONN':
      return { kind: 'LEAST_REQUEST' };
    case 'ROUND_ROBIN':
      return { kind: 'ROUND_ROBIN' };
    default:
      return undefined;
  }
}

function connectionPoolOf(policy: TrafficPolicy | undefined): ConnectionPoolPolicy | undefined {
  const cp = policy?.connectionPool;
  if (!cp) return undefined;
  const maxConnections = cp.tcp?.maxConnections ?? UNLIMITED;
  const maxH2 = cp.http?.http2MaxRequests ?? UNLIMITED;
  return {
    maxRequests: Math.min(maxConnections, maxH2),
    maxPending: cp.http?.http1MaxPendingRequests ?? UNLIMITED,
    maxRetries: cp.http?.maxRetries ?? UNLIMITED,
    connectTimeoutMs: parseDurationMs(cp.tcp?.connectTimeout) ?? 10_000,
  };
}

function outlierOf(policy: TrafficPolicy | undefined): OutlierPolicy | undefined {
  const od = policy?.outlierDetection;
  if (!od) return undefined;
  return {
    consecutive5xx: od.consecutive5xxErrors ?? od.consecutiveErrors ?? 5,
    consecutiveGateway: od.consecutiveGatewayErrors ?? 0,
    intervalMs: parseDurationMs(od.interval) ?? 10_000,
    baseEjectionMs: parseDurationMs(od.baseEjectionTime) ?? 30_000,
    maxEjectionPercent: od.maxEjectionPercent ?? 10,
  };
}

/** Port-level settings override the rule-level sections they set. */
function forPort(policy: TrafficPolicy | undefined, port: number): TrafficPolicy | undefined {
  if (!policy) return undefined;
  const pl = policy.portLevelSettings?.find((p) => p.port?.number === port);
  if (!pl) return policy;
  return {
    loadBalancer: pl.loadBalancer ?? policy.loadBalancer,
    connectionPool: pl.connectionPool ?? policy.connectionPool,
    outlierDetection: pl.outlierDetection ?? policy.outlierDetection,
    tls: pl.tls ?? policy.tls,
  };
}

/** Policy for one cluster: rule-level, then port-level, then the subset's own policy (each section replaces). */
export function clusterPolicyOf(dr: DestinationRule | undefined, port: number, subset: string | undefined): ClusterPolicy {
  const base = forPort(dr?.spec?.trafficPolicy, port);
  const sub = subset ? forPort(dr?.spec?.subsets?.find((s) => s.name === subset)?.trafficPolicy, port) : undefined;
  return {
    lb: loadBalancerOf(sub) ?? loadBalancerOf(base) ?? { kind: 'ROUND_ROBIN' },
    connectionPool: connectionPoolOf(sub) ?? connectionPoolOf(base),
    outlier: outlierOf(sub) ?? outlierOf(base),
    source: dr ? `DestinationRule ${dr.metadata.namespace ?? 'default'}/${dr.metadata.name}` : undefined,
  };
}
