// authorization: asks the injected AuthorizationCheck (allow-all by default);
// a denial is a 403 "RBAC: access denied".

import type { LayerDeps } from './deps.ts';
import type { Layer } from './context.ts';
import { MeshError } from './errors.ts';

export function authorizationLayer(deps: LayerDeps): Layer {
  return {
    name: 'authorization',
    wrap: (next) => (req) => {
      const verdict = deps.authorization.check(req);
      if (!verdict.allowed) throw new MeshError('RBAC', `mesh/authz: denied by ${verdict.policy}`);
      return next(req);
    },
  };
}
