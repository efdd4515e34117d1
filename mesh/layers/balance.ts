// subset + load balancer: resolves the chosen destination to its cluster
// (subset endpoints, policy) and picks one healthy endpoint for this try.

import type { Layer, MeshRequest } from './context.ts';
import { headerString } from './context.ts';
import type { LayerDeps } from './deps.ts';
import { MeshError } from './errors.ts';
import { pickEndpoint } from '../endpoints/balancer.ts';
import { endpointKey } from '../endpoints/state.ts';

function cookieValue(req: MeshRequest, name: string): string | undefined {
  const raw = headerString(req.headers, 'cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function queryValue(req: MeshRequest, name: string): string | undefined {
  const q = req.path.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(req.path.slice(q + 1)).get(name) ?? undefined;
}

export function balanceLayer(deps: LayerDeps): Layer {
  return {
    name: 'balance',
    wrap: (next) => async (req) => {
      if (req.passthrough) return next(req);
      const dest = req.destination;
      if (!dest) throw new MeshError('NR', 'mesh/balance: no destination chosen');
      const cluster = req.table.clusters.get(dest.cluster);
      if (!cluster) throw new MeshError('NC', `mesh/balance: no cluster ${dest.cluster}`, { status: 503 });
      req.cluster = cluster;
      if (cluster.policy.lb.kind === 'PASSTHROUGH' && cluster.service.addresses.length > 0 && cluster.service.kind === 'Service') {
        req.passthrough = { host: cluster.service.addresses[0]!, port: cluster.port };
        return next(req);
      }
      const healthy = deps.clusters.healthy(cluster.name, cluster.endpoints);
      const tried = req.triedEndpoints;
      const fresh = tried && tried.size > 0 ? healthy.filter((e) => !tried.has(endpointKey(e))) : healthy;
      const pick = pickEndpoint(cluster.name, cluster.policy.lb, fresh.length > 0 ? fresh : healthy, deps.clusters, deps.random, {
        header: (n) => headerString(req.headers, n),
        cookie: (n) => cookieValue(req, n),
        queryParam: (n) => queryValue(req, n),
        sourceIp: req.source?.ip ?? req.remoteAddress,
      });
      if (!pick.endpoint) {
        throw new MeshError('UH', `mesh/balance: no healthy upstream in ${cluster.name} (${cluster.endpoints.length} endpoints, ${cluster.endpoints.length - healthy.length} ejected)`);
      }
      req.endpoint = pick.endpoint;
      (req.triedEndpoints ??= new Set()).add(endpointKey(pick.endpoint));
      const res = await next(req);
      if (pick.setCookie) {
        const cur = res.headers['set-cookie'];
        res.headers['set-cookie'] = [...(Array.isArray(cur) ? cur : cur ? [String(cur)] : []), pick.setCookie];
      }
      return res;
    },
  };
}
