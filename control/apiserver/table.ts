// Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`):
// what `kubectl get` prints. Rows carry the object as PartialObjectMetadata
// (default), the full object (includeObject=Object) or nothing (None).

import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../api/index.ts';
import { ApiError } from '../api/index.ts';
import type { ResourceRequest } from './request-info.ts';
import { columnsFor } from './table-columns.ts';
import { customColumns } from './custom-columns.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && (params.includes('g=meta.k8s.io') || !params.some((p) => p.startsWith('g=')));
  });
}

export function includeObjectParam(query: URLSearchParams): IncludeObject {
  const raw = query.get('includeObject') || 'Metadata';
  if (raw !== 'None' && raw !== 'Metadata' && raw !== 'Object') {
    throw new ApiError('BadRequest', `apiserver: includeObject=${JSON.stringify(raw)} must be None, Metadata or Object`);
  }
  return raw;
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function renderTable(
  request: ResourceRequest,
  items: readonly KubeObject[],
  options: { include: IncludeObject; now: number; resourceVersion?: string; continue?: string },
): Record<string, unknown> {
  const columns = request.custom ? customColumns(request.custom, request.version) : columnsFor(request.type);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}), ...(options.continue ? { continue: options.continue } : {}) },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type ?? 'string',
      format: c.format ?? '',
      description: c.description ?? c.name,
      priority: c.priority ?? 0,
    })),
    rows: items.map((obj) => {
      const object = rowObject(obj, options.include);
      return { cells: columns.map((c) => c.value(obj, options.now)), ...(object ? { object } : {}) };
    }),
  };
}
