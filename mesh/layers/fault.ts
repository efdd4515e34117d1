// fault injection: the matched route's delay (clock timer) then abort, each
// applied to its percentage of requests (flags DI, FI).

import type { LayerDeps } from './deps.ts';
import type { Layer } from './context.ts';
import { MeshError } from './errors.ts';

export function faultLayer(deps: LayerDeps): Layer {
  return {
    name: 'fault',
    wrap: (next) => async (req) => {
      const fault = req.route?.fault;
      if (!fault || req.shadow) return next(req);
      if (fault.delay && deps.random() * 100 < fault.delay.percent) {
        req.flags.add('DI');
        await new Promise<void>((resolve) => deps.clock.setTimer(fault.delay!.ms, resolve));
      }
      if (fault.abort && deps.random() * 100 < fault.abort.percent) {
        throw new MeshError('FI', `mesh/fault: aborted with ${fault.abort.status}`, { status: fault.abort.status });
      }
      return next(req);
    },
  };
}
