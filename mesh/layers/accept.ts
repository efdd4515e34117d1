// accept: the outermost request layer after telemetry — the one place where
// failures become responses (Envoy's local replies) with their response flag.

import { isMeshError, MeshError, UpstreamError } from './errors.ts';
import type { Layer, MeshResponse } from './context.ts';

export function acceptLayer(): Layer {
  return {
    name: 'accept',
    wrap: (next) => async (req) => {
      try {
        return await next(req);
      } catch (err) {
        const e = isMeshError(err)
          ? err
          : err instanceof UpstreamError
            ? new MeshError(err.failure === 'timeout' ? 'UT' : err.failure === 'connect-failure' ? 'UF' : 'UC', err.message, { cause: err })
            : new MeshError('UC', `mesh/proxy: ${(err as Error)?.message ?? String(err)}`, { status: 500, cause: err });
        req.flags.add(e.flag);
        req.notes.push(e.message);
        const body = Buffer.from(e.body);
        const res: MeshResponse = {
          status: e.status,
          headers: { 'content-type': 'text/plain', 'content-length': String(body.length), ...e.headers },
          body,
          local: true,
          ...(e.reset ? { reset: true } : {}),
        };
        return res;
      }
    },
  };
}
