// Istio `headers.request/response` operations (set, add, remove).

import type { OutgoingHttpHeaders } from 'node:http';
import type { HeaderOperations } from '../../control/api/istio.ts';

export function applyHeaderOps(headers: OutgoingHttpHeaders | Record<string, string | string[] | undefined>, ops: HeaderOperations | undefined): void {
  if (!ops) return;
  for (const [k, v] of Object.entries(ops.set ?? {})) headers[k.toLowerCase()] = v;
  for (const [k, v] of Object.entries(ops.add ?? {})) {
    const key = k.toLowerCase();
    const cur = headers[key];
    if (cur === undefined) headers[key] = v;
    else headers[key] = [...(Array.isArray(cur) ? cur : [String(cur)]), v];
  }
  for (const k of ops.remove ?? []) delete headers[k.toLowerCase()];
}
