// Finding the routes for a request: a sidecar looks the Host up in the mesh's
// services (short names via the pod's search path, FQDNs, ClusterIP:port);
// a gateway matches the Host against its bound VirtualServices' hosts.

import { hostMatches, hostSpecificity, isIpAddress, searchCandidates, splitHostPort } from './hosts.ts';
import type { GatewayHost, RouteTable, ServiceInfo, VirtualHost, WeightedDestination } from './table.ts';

export interface HostLookup {
  host: string;
  port: number;
  service?: ServiceInfo;
  virtualHost?: VirtualHost;
  /** Candidates tried, for explain. */
  tried: string[];
}

export function lookupServiceHost(table: RouteTable, authority: string, defaultPort: number): HostLookup {
  const { host, port: explicit } = splitHostPort(authority);
  const port = explicit ?? defaultPort;
  const tried: string[] = [];
  let service: ServiceInfo | undefined;
  if (isIpAddress(host)) {
    tried.push(host);
    service = table.servicesByAddress.get(host);
  } else {
    for (const candidate of searchCandidates(host, table.proxy.namespace)) {
      tried.push(candidate);
      service = table.servicesByHost.get(candidate);
      if (service) break;
    }
    if (!service) {
      // ServiceEntry wildcard hosts (`*.example.com`).
      let best = -1;
      for (const s of table.services) {
        if (s.kind === 'ServiceEntry' && s.fqdn.startsWith('*') && hostMatches(s.fqdn, host) && hostSpecificity(s.fqdn) > best) {
          service = s;
          best = hostSpecificity(s.fqdn);
        }
      }
    }
  }
  const virtualHost = service ? table.virtualHosts.get(`${service.fqdn}:${port}`) : undefined;
  return { host, port, service, virtualHost, tried };
}

export function lookupGatewayHost(table: RouteTable, authority: string): GatewayHost | undefined {
  const { host } = splitHostPort(authority);
  let best: GatewayHost | undefined;
  let bestScore = -1;
  for (const gh of table.gatewayHosts) {
    if (hostMatches(gh.domain, host) && hostSpecificity(gh.domain) > bestScore) {
      best = gh;
      bestScore = hostSpecificity(gh.domain);
    }
  }
  return best;
}

/** Weighted choice; `roll` is uniform in [0, 1). */
export function pickWeighted(destinations: readonly WeightedDestination[], roll: number): WeightedDestination | undefined {
  const total = destinations.reduce((s, d) => s + Math.max(0, d.weight), 0);
  if (total <= 0) return destinations[0];
  let x = roll * total;
  for (const d of destinations) {
    x -= Math.max(0, d.weight);
    if (x < 0) return d;
  }
  return destinations[destinations.length - 1];
}
