// rate limit: asks the injected RateLimitService (when there is one). Over the
// limit → the decision's status with its headers plus x-envoy-ratelimited,
// response flag RL. Allowed → the decision's headers go on the response.

import type { LayerDeps } from './deps.ts';
import type { Layer } from './context.ts';
import { MeshError } from './errors.ts';

export function rateLimitLayer(deps: LayerDeps): Layer {
  return {
    name: 'rate-limit',
    wrap: (next) => async (req) => {
      const service = deps.rateLimit;
      if (!service || req.shadow) return next(req);
      const proxy = req.table.proxy;
      const decision = await service.check({
        proxy: { kind: proxy.kind, namespace: proxy.namespace, name: proxy.name, labels: proxy.labels },
        direction: req.direction,
        destinationService: req.service?.fqdn,
        method: req.method,
        path: req.path,
        authority: req.authority,
        headers: req.headers,
        sourceIp: req.remoteAddress,
        sourceWorkload: req.source?.workload,
        sourceNamespace: req.source?.namespace,
      });
      if (!decision.allowed) {
        const status = decision.status ?? 429;
        throw new MeshError('RL', `mesh/ratelimit: ${decision.matched ?? 'limit'} exceeded`, {
          status,
          headers: { ...decision.responseHeaders, ...(status === 429 ? { 'x-envoy-ratelimited': 'true' } : {}) },
          body: status === 429 ? 'local_rate_limited' : 'rate limit service unavailable',
        });
      }
      const res = await next(req);
      for (const [k, v] of Object.entries(decision.responseHeaders)) res.headers[k.toLowerCase()] = v;
      return res;
    },
  };
}
