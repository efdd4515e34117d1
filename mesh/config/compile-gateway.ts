// A gateway proxy's share of compileProxyConfig: the servers of the Gateways
// that select it, the HTTP virtual hosts of the VirtualServices (and
// Ingresses) bound to them, and the TCP routes per server port.
//
// Merging follows Istio's gateway rules: every Gateway selecting the proxy
// feeds one listener, and all VirtualServices bound to it for the same host
// are merged into one virtual host, routes concatenated oldest object first
// (Ingress rules after every VirtualService). A request then sees the routes
// of its most specific matching host only, as Envoy picks one virtual host.

import type { Gateway, Ingress, VirtualService } from '../../control/api/istio.ts';
import type { Labels } from '../../control/api/index.ts';
import { LEGACY_INGRESS_CLASS_ANNOTATION, MESHLET_INGRESS_CLASS } from '../../control/api/index.ts';
import { qualifyHost } from './hosts.ts';
import type { ResolveDestination } from './http-routes.ts';
import { compileHttpRoute, compileTcpRoute } from './http-routes.ts';
import { compileIngress, gatewayServers, isHttpProtocol, selectedGateways, serverHostAdmits, vsGateways } from './gateways.ts';
import { creationOrder } from './order.ts';
import type { CompiledHttpRoute, CompiledTcpRoute, GatewayHost, GatewayServerInfo } from './table.ts';

/**
 * Whether the gateway serves an Ingress: one of its class (`istio`, by
 * spec.ingressClassName or the legacy annotation) or of no class at all, as
 * Istio does in its default ingress controller mode. Another controller's
 * Ingresses (say `nginx`) are left alone.
 */
export function servesIngress(ing: Ingress): boolean {
  const cls = ing.spec?.ingressClassName ?? ing.metadata.annotations?.[LEGACY_INGRESS_CLASS_ANNOTATION];
  return cls === undefined || cls === MESHLET_INGRESS_CLASS;
}

export interface GatewayScopeInput {
  labels: Labels;
  gateways: readonly Gateway[];
  virtualServices: readonly VirtualService[];
  ingresses: readonly Ingress[];
  resolverFor: (namespace: string, origin: string, requestPort: number | undefined, portName?: string) => ResolveDestination;
  warnings: string[];
}

export interface GatewayScope {
  servers: GatewayServerInfo[];
  gatewayHosts: GatewayHost[];
  gatewayTcp: Map<number, CompiledTcpRoute[]>;
}

/** Per host domain, routes gathered in the order objects contribute them. */
class HostMerger {
  private readonly byDomain = new Map<string, { origins: string[]; routes: CompiledHttpRoute[] }>();

  add(domains: Iterable<string>, origin: string, routes: readonly CompiledHttpRoute[]): void {
    for (const domain of domains) {
      let host = this.byDomain.get(domain);
      if (!host) {
        host = { origins: [], routes: [] };
        this.byDomain.set(domain, host);
      }
      if (!host.origins.includes(origin)) host.origins.push(origin);
      host.routes.push(...routes);
    }
  }

  hosts(): GatewayHost[] {
    return [...this.byDomain].map(([domain, h]) => ({ domain, origins: h.origins, routes: h.routes }));
  }
}

export function compileGatewayScope(input: GatewayScopeInput): GatewayScope {
  const { resolverFor, warnings } = input;
  const selected = selectedGateways(input.gateways, input.labels);
  const servers = gatewayServers(selected);
  const selectedKeys = new Set(selected.map((g) => `${g.metadata.namespace ?? 'default'}/${g.metadata.name}`));
  const merger = new HostMerger();
  const gatewayTcp = new Map<number, CompiledTcpRoute[]>();
  for (const vs of [...input.virtualServices].sort(creationOrder)) {
    const vsNs = vs.metadata.namespace ?? 'default';
    const bound = vsGateways(vs).filter((g) => selectedKeys.has(g));
    if (bound.length === 0) continue;
    const origin = `VirtualService ${vsNs}/${vs.metadata.name}`;
    const boundServers = servers.filter((s) => bound.includes(s.gateway));
    const hosts = (vs.spec?.hosts ?? []).filter((h) =>
      boundServers.some((s) => s.hosts.some((sh) => serverHostAdmits(sh, s.gateway.split('/')[0]!, vsNs, h))),
    );
    if (hosts.length === 0) {
      warnings.push(`${origin}: no host admitted by the servers of ${bound.join(', ')}`);
      continue;
    }
    const blockApplies = (b: { gateways?: string[] }): boolean => !b.gateways || b.gateways.some((g) => bound.includes(g.includes('/') ? g : `${vsNs}/${g}`));
    const routes: CompiledHttpRoute[] = [];
    (vs.spec?.http ?? []).forEach((rule, i) => {
      const blocks = rule.match?.filter(blockApplies);
      if (rule.match && rule.match.length > 0 && blocks!.length === 0) return;
      routes.push(compileHttpRoute({ ...rule, match: blocks }, origin, i, vsNs, resolverFor(vsNs, origin, undefined), warnings));
    });
    if (routes.length > 0) {
      const domains = new Set<string>();
      for (const h of hosts) {
        domains.add(h.toLowerCase());
        domains.add(qualifyHost(h, vsNs));
      }
      merger.add(domains, origin, routes);
    }
    (vs.spec?.tcp ?? []).forEach((rule, i) => {
      for (const server of boundServers.filter((s) => !isHttpProtocol(s.protocol))) {
        const blocks = rule.match?.filter((m) => (m.port === undefined || m.port === server.port) && blockApplies(m));
        if (rule.match && rule.match.length > 0 && blocks!.length === 0) continue;
        const list = gatewayTcp.get(server.port) ?? [];
        list.push(compileTcpRoute({ ...rule, match: blocks }, origin, i, vsNs, resolverFor(vsNs, origin, undefined), warnings));
        gatewayTcp.set(server.port, list);
      }
    });
  }
  for (const ing of input.ingresses.filter(servesIngress).sort(creationOrder)) {
    const origin = `Ingress ${ing.metadata.namespace ?? 'default'}/${ing.metadata.name}`;
    for (const h of compileIngress(ing, (ns, portName) => resolverFor(ns, origin, undefined, portName))) merger.add(h.domains, origin, h.routes);
  }
  return { servers, gatewayHosts: merger.hosts(), gatewayTcp };
}
