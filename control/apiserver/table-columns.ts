// Column definitions per kind, matching kubectl's printers
// (pkg/printers/internalversion/printers.go). priority 1 = shown with -o wide.

import type { KubeObject, ResourceType } from '../api/index.ts';

export interface Column {
  name: string;
  type?: 'string' | 'integer' | 'number' | 'date';
  format?: string;
  description?: string;
  priority?: number;
  value(obj: KubeObject): unknown;
}

export const NAME_COLUMN: Column = { name: 'Name', format: 'name', description: 'Name must be unique within a namespace.', value: (o) => o.metadata.name };
export const AGE_COLUMN: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp', value: (o) => o.metadata.creationTimestamp };

export function columnsFor(_type: ResourceType): Column[] {
  return [NAME_COLUMN, AGE_COLUMN];
}
