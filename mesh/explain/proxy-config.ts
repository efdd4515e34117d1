// `meshlet proxy-config routes|clusters|endpoints <pod>`: the compiled table
// as istioctl prints Envoy's config, one row per route / cluster / endpoint.

import type { HTTPMatchRequest } from '../../control/api/istio.ts';
import { describeStringMatch } from '../config/match.ts';
import { ruleLabel } from './rule-label.ts';
import type { CompiledHttpRoute, RouteTable } from '../config/table.ts';

export type ProxyConfigSection = 'routes' | 'clusters' | 'endpoints';

/** Runtime outlier state per cluster, as Sidecar.clusterStates() returns it. */
export interface ClusterRuntimeView {
  cluster: string;
  ejected: readonly string[];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

export function describeMatch(m: HTTPMatchRequest): string {
  const parts: string[] = [];
  if (m.uri) parts.push(`uri ${describeStringMatch(m.uri)}${m.ignoreUriCase ? ' (ignore case)' : ''}`);
  if (m.method) parts.push(`method ${describeStringMatch(m.method)}`);
  if (m.authority) parts.push(`authority ${describeStringMatch(m.authority)}`);
  if (m.scheme) parts.push(`scheme ${describeStringMatch(m.scheme)}`);
  for (const [k, v] of Object.entries(m.headers ?? {})) parts.push(`header ${k} ${describeStringMatch(v)}`);
  for (const [k, v] of Object.entries(m.withoutHeaders ?? {})) parts.push(`without header ${k} ${describeStringMatch(v)}`);
  for (const [k, v] of Object.entries(m.queryParams ?? {})) parts.push(`query ${k} ${describeStringMatch(v)}`);
  if (m.port !== undefined) parts.push(`port ${m.port}`);
  if (m.sourceNamespace) parts.push(`source namespace ${m.sourceNamespace}`);
  for (const [k, v] of Object.entries(m.sourceLabels ?? {})) parts.push(`source label ${k}=${v}`);
  return parts.length === 0 ? '*' : parts.join(' & ');
}

export function describeRouteMatch(route: CompiledHttpRoute): string {
  return route.matches.length === 0 ? '/*' : route.matches.map(describeMatch).join(' | ');
}

export function describeRouteAction(route: CompiledHttpRoute): string {
  if (route.directResponse) return `direct response ${route.directResponse.status}`;
  if (route.redirect) return `redirect ${route.redirect.code}`;
  const total = route.destinations.reduce((s, d) => s + d.weight, 0) || 1;
  return route.destinations
    .map((d) => `${d.host.replace(/\.svc\.cluster\.local$/, '')}${d.subset ? ` ${d.subset}` : ''}:${d.port} (${Math.round((d.weight / total) * 1000) / 10}%)`)
    .join(', ');
}

export function formatProxyConfig(t: RouteTable, section: ProxyConfigSection, runtime: readonly ClusterRuntimeView[] = []): string {
  if (section === 'routes') {
    const rows = [['NAME', 'VIRTUAL SERVICE', 'MATCH', 'ACTION']];
    if (t.proxy.kind === 'gateway') {
      for (const gh of t.gatewayHosts) {
        for (const r of gh.routes) rows.push([gh.domain, `${r.origin}${ruleLabel(r.ruleIndex, r.name)}`, describeRouteMatch(r), describeRouteAction(r)]);
      }
      for (const [port, routes] of t.gatewayTcp) {
        for (const r of routes) rows.push([`tcp:${port}`, `${r.origin}#${r.ruleIndex}`, '*', r.destinations.map((d) => `${d.host}${d.subset ? ` ${d.subset}` : ''}:${d.port} (${d.weight})`).join(', ')]);
      }
    } else {
      for (const vh of [...t.virtualHosts.values()].sort((a, b) => a.name.localeCompare(b.name))) {
        if (vh.protocol === 'TCP') {
          for (const r of vh.tcpRoutes) rows.push([vh.name, r.origin === 'default' ? '(tcp default)' : `${r.origin}#${r.ruleIndex}`, 'tcp', r.destinations.map((d) => `${d.subset ?? ''}:${d.port} (${d.weight})`).join(', ')]);
          continue;
        }
        for (const r of vh.routes) rows.push([vh.name, r.origin === 'default' ? '(default)' : `${r.origin}${ruleLabel(r.ruleIndex, r.name)}`, describeRouteMatch(r), describeRouteAction(r)]);
      }
    }
    return table(rows);
  }
  if (section === 'clusters') {
    const rows = [['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'ENDPOINTS', 'LB', 'DESTINATION RULE']];
    for (const c of [...t.clusters.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const lb = c.policy.lb.kind === 'CONSISTENT_HASH' ? `HASH(${c.policy.lb.by}${c.policy.lb.name ? `:${c.policy.lb.name}` : ''})` : c.policy.lb.kind;
      rows.push([c.service.fqdn, String(c.port), c.subset ?? '-', 'outbound', String(c.endpoints.length), lb, c.policy.source ?? '-']);
    }
    return table(rows);
  }
  const ejected = new Map(runtime.map((r) => [r.cluster, new Set(r.ejected)]));
  const rows = [['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER']];
  for (const c of [...t.clusters.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const e of c.endpoints) {
      const key = `${e.address}:${e.port}`;
      const out = ejected.get(c.name)?.has(key);
      rows.push([key, 'HEALTHY', out ? 'FAILED' : 'OK', c.name]);
    }
  }
  return table(rows);
}
