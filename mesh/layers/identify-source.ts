// identify source pod: outbound requests come from this proxy's own workload;
// inbound requests are attributed by the connecting address, which client
// sidecars set to their pod IP.

import type { Layer } from './context.ts';

export function identifySourceLayer(): Layer {
  return {
    name: 'identify-source',
    wrap: (next) => (req) => {
      if (req.direction === 'outbound') req.source = req.table.self;
      else req.source = req.table.workloadsByIp.get(req.remoteAddress);
      return next(req);
    },
  };
}
