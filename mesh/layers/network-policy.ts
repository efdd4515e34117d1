// network policy: the inbound half of NetworkPolicy enforcement in the
// process runtime. The connecting address is judged against this pod's
// Ingress rules before anything else looks at the request; a denial resets
// the connection (no response), the way a dropped packet fails the caller.
// The outbound half (Egress rules) is in upstream.ts, where the endpoint is known.

import type { Layer } from './context.ts';
import type { LayerDeps } from './deps.ts';
import { MeshError } from './errors.ts';

export function networkPolicyLayer(deps: LayerDeps): Layer {
  return {
    name: 'network-policy',
    wrap: (next) => (req) => {
      if (req.direction === 'inbound' && deps.networkPolicy) {
        const verdict = deps.networkPolicy.ingress(req.remoteAddress, req.port);
        if (!verdict.allowed) {
          throw new MeshError('UF', `mesh/netpol: ${req.remoteAddress} -> port ${req.port} denied by the ingress rules of ${verdict.policies.join(', ')}`, {
            code: 'MESH_NETWORK_POLICY_DENIED',
            reset: true,
          });
        }
      }
      return next(req);
    },
  };
}
