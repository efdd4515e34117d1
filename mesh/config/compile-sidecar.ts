// A sidecar's share of compileProxyConfig: which VirtualService applies to a
// service it sends to, and the outbound virtual host per service port (the
// VirtualService's rules, else the implicit route to the service itself).

import type { VirtualService } from '../../control/api/istio.ts';
import { hostMatches, hostSpecificity, qualifyHost } from './hosts.ts';
import type { ResolveDestination } from './http-routes.ts';
import { compileHttpRoute, compileTcpRoute, DEFAULT_RETRY } from './http-routes.ts';
import { MESH_GATEWAY } from './gateways.ts';
import { creationOrder } from './order.ts';
import type { CompiledHttpRoute, CompiledTcpRoute, ServiceInfo, ServicePortInfo, VirtualHost } from './table.ts';

/**
 * The one VirtualService a sidecar applies to a service. Istio merges
 * VirtualServices only at gateways; for the mesh the most specific host
 * wins, then one from the client's own namespace, then the oldest, and the
 * rest are ignored (istioctl analyze reports them as IST0109).
 */
export function meshVirtualServiceFor(meshVs: readonly VirtualService[], fqdn: string, clientNs: string, warnings: string[]): VirtualService | undefined {
  const local = (vs: VirtualService): number => ((vs.metadata.namespace ?? 'default') === clientNs ? 1 : 0);
  const matching = meshVs
    .map((vs) => ({ vs, score: bestHostScore(vs, fqdn) }))
    .filter((x) => x.score >= 0)
    .sort((a, b) => b.score - a.score || local(b.vs) - local(a.vs) || creationOrder(a.vs, b.vs));
  const winner = matching[0];
  if (!winner) return undefined;
  const name = (vs: VirtualService): string => `VirtualService ${vs.metadata.namespace ?? 'default'}/${vs.metadata.name}`;
  for (const other of matching.slice(1)) {
    if (other.score === winner.score) warnings.push(`${name(other.vs)}: ignored for ${fqdn} on sidecars, ${name(winner.vs)} applies (only gateways merge VirtualServices)`);
  }
  return winner.vs;
}

function bestHostScore(vs: VirtualService, fqdn: string): number {
  const ns = vs.metadata.namespace ?? 'default';
  let best = -1;
  for (const h of vs.spec?.hosts ?? []) {
    const pattern = qualifyHost(h, ns);
    if (hostMatches(pattern, fqdn) || h.toLowerCase() === fqdn) best = Math.max(best, hostSpecificity(pattern));
  }
  return best;
}

export function buildSidecarVirtualHost(
  service: ServiceInfo,
  port: ServicePortInfo,
  chosen: VirtualService | undefined,
  resolverFor: (namespace: string, origin: string, requestPort: number | undefined) => ResolveDestination,
  warnings: string[],
): VirtualHost {
  const virtualServices = chosen ? [chosen] : [];
  const routes: CompiledHttpRoute[] = [];
  const tcpRoutes: CompiledTcpRoute[] = [];
  const origins: string[] = [];
  for (const vs of virtualServices) {
    const ns = vs.metadata.namespace ?? 'default';
    const origin = `VirtualService ${ns}/${vs.metadata.name}`;
    origins.push(origin);
    const blockApplies = (b: { port?: number; gateways?: string[] }): boolean =>
      (b.port === undefined || b.port === port.number) && (!b.gateways || b.gateways.includes(MESH_GATEWAY));
    (vs.spec?.http ?? []).forEach((rule, i) => {
      const blocks = rule.match?.filter(blockApplies);
      if (rule.match && rule.match.length > 0 && blocks!.length === 0) return;
      routes.push(compileHttpRoute({ ...rule, match: blocks }, origin, i, ns, resolverFor(ns, origin, port.number), warnings));
    });
    (vs.spec?.tcp ?? []).forEach((rule, i) => {
      const blocks = rule.match?.filter(blockApplies);
      if (rule.match && rule.match.length > 0 && blocks!.length === 0) return;
      tcpRoutes.push(compileTcpRoute({ ...rule, match: blocks }, origin, i, ns, resolverFor(ns, origin, port.number), warnings));
    });
  }
  const resolve = resolverFor(service.namespace, 'default', port.number);
  const implicit = resolve({ host: service.fqdn, port: { number: port.number } }, 100)!;
  if (virtualServices.length === 0 || (routes.length === 0 && port.protocol === 'HTTP' && tcpRoutes.length === 0 && virtualServices.every((v) => !v.spec?.http?.length))) {
    routes.push({ origin: 'default', ruleIndex: 0, namespace: service.namespace, matches: [], destinations: [implicit], retry: DEFAULT_RETRY, mirrors: [] });
  }
  if (tcpRoutes.length === 0) {
    tcpRoutes.push({ origin: 'default', ruleIndex: 0, namespace: service.namespace, matches: [], destinations: [implicit] });
  }
  return {
    name: `${service.fqdn}:${port.number}`,
    service,
    port: port.number,
    protocol: port.protocol,
    virtualServices: origins,
    routes,
    tcpRoutes,
  };
}
