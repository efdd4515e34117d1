// Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`).

import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../api/index.ts';
import type { ResourceRequest } from './request-info.ts';
import { columnsFor } from './table-columns.ts';

export function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && (params.includes('g=meta.k8s.io') || !params.some((p) => p.startsWith('g=')));
  });
}

export function renderTable(request: ResourceRequest, items: readonly KubeObject[], _options: { wide: boolean; watchEvent?: boolean }): Record<string, unknown> {
  const columns = columnsFor(request.type);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type ?? 'string', format: c.format ?? '', description: c.description ?? c.name, priority: c.priority ?? 0 })),
    rows: items.map((obj) => ({
      cells: columns.map((c) => c.value(obj)),
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: obj.metadata,
      },
    })),
  };
}
