// identify source pod: outbound requests come from this proxy's own workload;
// inbound requests are attributed by the connecting address, which client
// sidecars set to their pod IP, else by the peer metadata the client proxy sent.

import type { Layer } from './context.ts';
import { headerString } from './context.ts';
import { PEER_HEADER } from './deps.ts';
import type { WorkloadInfo } from '../config/identity.ts';

/** Only string values survive: the header comes from the network. */
function peerLabels(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
  return out;
}

function parsePeer(value: string | undefined): WorkloadInfo | undefined {
  if (!value) return undefined;
  try {
    const p = JSON.parse(Buffer.from(value, 'base64').toString()) as Partial<WorkloadInfo>;
    if (typeof p.workload !== 'string' || typeof p.namespace !== 'string') return undefined;
    return { workload: p.workload, namespace: p.namespace, app: String(p.app ?? p.workload), version: String(p.version ?? 'unknown'), principal: String(p.principal ?? 'unknown'), labels: peerLabels(p.labels) };
  } catch {
    return undefined;
  }
}

export function identifySourceLayer(): Layer {
  return {
    name: 'identify-source',
    wrap: (next) => (req) => {
      if (req.direction === 'outbound') req.source = req.table.self;
      else {
        const peer = headerString(req.headers, PEER_HEADER);
        delete req.headers[PEER_HEADER];
        req.source = req.table.workloadsByIp.get(req.remoteAddress) ?? parsePeer(peer);
      }
      return next(req);
    },
  };
}
