// mirror: sends a copy of the request to each mirror destination (its
// percentage of the time) with the authority suffixed "-shadow", as Envoy
// does; the copy's response is discarded and never delays the original.

import type { Layer, MeshRequest } from './context.ts';
import type { LayerDeps } from './deps.ts';

export function mirrorLayer(deps: LayerDeps): Layer {
  return {
    name: 'mirror',
    wrap: (next) => (req) => {
      const mirrors = req.route?.mirrors;
      if (mirrors && mirrors.length > 0 && !req.shadow) {
        for (const m of mirrors) {
          if (deps.random() * 100 >= m.percent) continue;
          const authority = `${req.authority.replace(/:\d+$/, '')}-shadow`;
          const copy: MeshRequest = {
            ...req,
            authority,
            headers: { ...req.headers, host: authority },
            destination: { cluster: m.cluster, host: m.host, port: m.port, weight: 100 },
            flags: new Set(),
            notes: [],
            attempts: 0,
            shadow: true,
            signal: undefined,
          };
          void next(copy).then(
            (res) => {
              if (res.body && !Buffer.isBuffer(res.body)) res.body.resume();
              for (const hook of res.onFinished ?? []) hook(0);
            },
            () => undefined,
          );
        }
      }
      return next(req);
    },
  };
}
