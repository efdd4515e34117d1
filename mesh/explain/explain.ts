// `meshlet explain <pod> <url>`: walks one request through a proxy's route
// table without sending it — the host lookup, every rule tried and why it did
// not match, the chosen rule, its destinations with their endpoints, and the
// policies (timeout, retries, fault, mirror, load balancer, pool, outlier).

import { lookupGatewayHost, lookupServiceHost } from '../config/lookup.ts';
import { matchHttpRoute } from '../config/match.ts';
import type { CompiledHttpRoute, RouteTable } from '../config/table.ts';
import { describeRouteAction, describeRouteMatch } from './proxy-config.ts';
import { ruleLabel } from './rule-label.ts';

export interface ExplainInput {
  url: string;
  method?: string;
  headers?: Record<string, string>;
}

export interface ExplainedDestination {
  host: string;
  subset?: string;
  port: number;
  /** Share of traffic in percent. */
  percent: number;
  cluster: string;
  clusterExists: boolean;
  endpoints: string[];
  loadBalancer?: string;
  connectionPool?: string;
  outlierDetection?: string;
  policySource?: string;
}

export interface Explanation {
  proxy: string;
  request: { method: string; authority: string; path: string; port: number };
  /** How the host was resolved (search path candidates, service found). */
  host: { tried: string[]; service?: string; virtualHost?: string; gatewayHost?: string };
  virtualServices: string[];
  rules: { origin: string; index: number; name?: string; match: string; matched: boolean; reason?: string }[];
  matched?: { origin: string; index: number; name?: string; match: string };
  action: 'route' | 'redirect' | 'directResponse' | 'passthrough' | 'none';
  destinations: ExplainedDestination[];
  policies: string[];
  outcome: string;
}

function policyLines(route: CompiledHttpRoute): string[] {
  const out: string[] = [];
  out.push(route.timeoutMs !== undefined ? `timeout ${route.timeoutMs} ms` : 'timeout: none (Istio default: off)');
  const r = route.retry;
  out.push(
    r.attempts === 0
      ? 'retries: disabled'
      : `retries: ${r.attempts} on ${[...r.retryOn, ...[...r.retriableStatusCodes].map(String)].join(',')}${r.perTryTimeoutMs ? `, perTryTimeout ${r.perTryTimeoutMs} ms` : ''}${r.isDefault ? ' (Istio default policy)' : ''}`,
  );
  if (route.fault?.delay) out.push(`fault: delay ${route.fault.delay.ms} ms for ${route.fault.delay.percent}% of requests`);
  if (route.fault?.abort) out.push(`fault: abort ${route.fault.abort.status} for ${route.fault.abort.percent}% of requests`);
  for (const m of route.mirrors) out.push(`mirror: ${m.percent}% to ${m.cluster}`);
  if (route.rewrite?.uri !== undefined) out.push(`rewrite uri → ${route.rewrite.uri}`);
  if (route.rewrite?.authority !== undefined) out.push(`rewrite authority → ${route.rewrite.authority}`);
  if (route.cors) out.push('corsPolicy applies');
  if (route.headers?.request) out.push(`request headers: ${JSON.stringify(route.headers.request)}`);
  if (route.headers?.response) out.push(`response headers: ${JSON.stringify(route.headers.response)}`);
  return out;
}

export function explainRequest(t: RouteTable, input: ExplainInput): Explanation {
  const u = new URL(/^[a-z]+:\/\//i.test(input.url) ? input.url : `http://${input.url}`);
  const method = (input.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  const authority = headers.host ?? u.host;
  const path = `${u.pathname}${u.search}`;
  let port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const exp: Explanation = {
    proxy: `${t.proxy.kind} ${t.proxy.namespace}/${t.proxy.name}`,
    request: { method, authority, path, port },
    host: { tried: [] },
    virtualServices: [],
    rules: [],
    action: 'none',
    destinations: [],
    policies: [],
    outcome: '',
  };
  let routes: readonly CompiledHttpRoute[] = [];
  if (t.proxy.kind === 'gateway') {
    const gh = lookupGatewayHost(t, authority);
    exp.host.tried = [authority];
    if (!gh) {
      exp.outcome = `404 NR: no Gateway-bound VirtualService or Ingress has a host matching "${authority}"`;
      return exp;
    }
    exp.host.gatewayHost = gh.domain;
    exp.virtualServices = [...gh.origins];
    routes = gh.routes;
    port = t.gatewayServers.find((s) => s.protocol === 'HTTP')?.port ?? port;
  } else {
    const found = lookupServiceHost(t, authority, port);
    exp.host.tried = found.tried;
    port = found.port;
    exp.request.port = port;
    if (!found.service) {
      exp.action = 'passthrough';
      exp.outcome = /^127\./.test(found.host) || found.host === 'localhost'
        ? `passthrough: "${found.host}" is not a mesh service; sent to ${found.host}:${port} as is (ALLOW_ANY, loopback)`
        : `502 NR: "${found.host}" is not a mesh service (tried ${found.tried.join(', ')})`;
      return exp;
    }
    exp.host.service = `${found.service.fqdn} (${found.service.source})`;
    if (!found.virtualHost) {
      exp.outcome = `404 NR: ${found.service.fqdn} has no port ${port} (ports: ${found.service.ports.map((p) => p.number).join(', ')})`;
      return exp;
    }
    exp.host.virtualHost = found.virtualHost.name;
    exp.virtualServices = [...found.virtualHost.virtualServices];
    routes = found.virtualHost.routes;
  }
  const result = matchHttpRoute(routes, { method, path, scheme: u.protocol.replace(':', ''), authority, headers, port, sourceLabels: t.self.labels, sourceNamespace: t.self.namespace }, true);
  for (const r of result.rejected) exp.rules.push({ origin: r.route.origin, index: r.route.ruleIndex, name: r.route.name, match: describeRouteMatch(r.route), matched: false, reason: r.reason });
  const route = result.route;
  if (!route) {
    exp.outcome = `404 NR: none of the ${routes.length} rule(s) matched`;
    return exp;
  }
  exp.rules.push({ origin: route.origin, index: route.ruleIndex, name: route.name, match: describeRouteMatch(route), matched: true });
  exp.matched = { origin: route.origin, index: route.ruleIndex, name: route.name, match: describeRouteMatch(route) };
  exp.policies = policyLines(route);
  if (route.directResponse) {
    exp.action = 'directResponse';
    exp.outcome = `${route.directResponse.status} direct response from the proxy`;
    return exp;
  }
  if (route.redirect) {
    exp.action = 'redirect';
    exp.outcome = `${route.redirect.code} redirect`;
    return exp;
  }
  exp.action = 'route';
  const total = route.destinations.reduce((s, d) => s + d.weight, 0) || 1;
  for (const d of route.destinations) {
    const c = t.clusters.get(d.cluster);
    const lb = c?.policy.lb;
    exp.destinations.push({
      host: d.host,
      subset: d.subset,
      port: d.port,
      percent: Math.round((d.weight / total) * 10000) / 100,
      cluster: d.cluster,
      clusterExists: !!c,
      endpoints: (c?.endpoints ?? []).map((e) => `${e.address}:${e.port}${e.workload ? ` (${e.workload.pod})` : ''}`),
      loadBalancer: lb ? (lb.kind === 'CONSISTENT_HASH' ? `consistent hash on ${lb.by}${lb.name ? ` ${lb.name}` : ''}` : lb.kind) : undefined,
      connectionPool: c?.policy.connectionPool ? `max ${c.policy.connectionPool.maxRequests} in flight, ${c.policy.connectionPool.maxPending} pending` : undefined,
      outlierDetection: c?.policy.outlier ? `eject after ${c.policy.outlier.consecutive5xx} consecutive 5xx for ${c.policy.outlier.baseEjectionMs} ms (max ${c.policy.outlier.maxEjectionPercent}%)` : undefined,
      policySource: c?.policy.source,
    });
  }
  const missing = exp.destinations.filter((d) => !d.clusterExists);
  const empty = exp.destinations.filter((d) => d.clusterExists && d.endpoints.length === 0);
  if (exp.destinations.length === 0) exp.outcome = '503 NC: the rule has no destination';
  else if (missing.length === exp.destinations.length) exp.outcome = `503 NC: cluster ${missing[0]!.cluster} does not exist (undefined subset or unknown host)`;
  else if (empty.length === exp.destinations.length) exp.outcome = `503 UH: ${empty[0]!.cluster} has no endpoints`;
  else exp.outcome = `routed to ${describeRouteAction(route)}`;
  return exp;
}

export function formatExplanation(e: Explanation): string {
  const lines: string[] = [];
  lines.push(`Request: ${e.request.method} ${e.request.authority}${e.request.path} (port ${e.request.port}) from ${e.proxy}`);
  if (e.host.service) lines.push(`Host: resolved to ${e.host.service} (tried ${e.host.tried.join(', ')})`);
  else if (e.host.gatewayHost) lines.push(`Host: gateway host ${e.host.gatewayHost}`);
  else lines.push(`Host: no mesh service (tried ${e.host.tried.join(', ')})`);
  if (e.virtualServices.length > 0) lines.push(`VirtualServices: ${e.virtualServices.join(', ')}`);
  else if (e.host.virtualHost) lines.push('VirtualServices: none — default route (round robin over all endpoints)');
  for (const r of e.rules) {
    const where = r.origin === 'default' ? 'default route' : `${r.origin} rule ${ruleLabel(r.index, r.name)}`;
    lines.push(r.matched ? `  ✔ ${where} matched: ${r.match}` : `  ✘ ${where} did not match: ${r.reason}`);
  }
  for (const d of e.destinations) {
    lines.push(`Destination: ${d.host}${d.subset ? ` subset ${d.subset}` : ''} port ${d.port} — ${d.percent}% of traffic`);
    lines.push(`  cluster ${d.cluster}${d.clusterExists ? '' : ' (MISSING)'}${d.policySource ? ` from ${d.policySource}` : ''}`);
    lines.push(`  endpoints: ${d.endpoints.length > 0 ? d.endpoints.join(', ') : 'none'}`);
    if (d.loadBalancer) lines.push(`  load balancer: ${d.loadBalancer}`);
    if (d.connectionPool) lines.push(`  connection pool: ${d.connectionPool}`);
    if (d.outlierDetection) lines.push(`  outlier detection: ${d.outlierDetection}`);
  }
  for (const p of e.policies) lines.push(`Policy: ${p}`);
  lines.push(`Outcome: ${e.outcome}`);
  return `${lines.join('\n')}\n`;
}
