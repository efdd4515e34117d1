// outlier/circuit breaker: enforces the cluster's connection pool (a request
// beyond maxRequests waits while fewer than maxPending wait, else 503 UO) and
// feeds every result to outlier detection, which ejects endpoints that fail
// consecutively. A slot is held until the response body has been consumed.

import type { Layer } from './context.ts';
import type { LayerDeps } from './deps.ts';
import { MeshError, UpstreamError } from './errors.ts';

export function circuitBreakerLayer(deps: LayerDeps): Layer {
  return {
    name: 'circuit-breaker',
    wrap: (next) => async (req) => {
      const cluster = req.cluster;
      const endpoint = req.endpoint;
      if (!cluster || !endpoint) return next(req);
      const got = deps.clusters.acquire(cluster.name, cluster.policy.connectionPool);
      const ok = typeof got === 'boolean' ? got : await got;
      if (!ok) throw new MeshError('UO', `mesh/circuit-breaker: ${cluster.name} pending requests overflow`);
      const record = deps.clusters.endpoint(cluster.name, endpoint);
      record.active += 1;
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        record.active -= 1;
        deps.clusters.release(cluster.name);
      };
      try {
        const res = await next(req);
        if (deps.clusters.recordResult(cluster.name, endpoint, cluster.endpoints, res.status, cluster.policy.outlier)) {
          req.notes.push(`ejected ${endpoint.address}:${endpoint.port}`);
        }
        if (res.body && !Buffer.isBuffer(res.body)) {
          res.body.once('close', release);
          res.body.once('end', release);
          res.body.once('error', release);
        } else {
          release();
        }
        return res;
      } catch (err) {
        release();
        if (err instanceof UpstreamError && err.failure !== 'cancelled') {
          deps.clusters.recordResult(cluster.name, endpoint, cluster.endpoints, 'failure', cluster.policy.outlier);
        }
        throw err;
      }
    },
  };
}
