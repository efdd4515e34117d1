// Table columns of CRD-defined kinds, as apiextensions-apiserver's table
// convertor builds them: Name, then the version's additionalPrinterColumns
// (jsonPath, type, priority; `date` cells shown as an age). A version without
// printer columns gets Age, the default.

import type { CustomKind, KubeObject } from '../api/index.ts';
import { ageOf } from './human-duration.ts';
import { evaluateJsonPath } from './json-path.ts';
import type { Column } from './table-columns.ts';
import { AGE_COLUMN, NAME_COLUMN } from './table-columns.ts';

function cell(values: unknown[], type: string, now: number): unknown {
  if (values.length === 0) return null;
  const first = values[0];
  if (type === 'date') return typeof first === 'string' ? ageOf(first, now) : null;
  if (type === 'integer' || type === 'number') return typeof first === 'number' ? first : null;
  if (type === 'boolean') return typeof first === 'boolean' ? first : null;
  const shown = values.map((v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)));
  return shown.join(',');
}

export function customColumns(custom: CustomKind, version: string): Column[] {
  const v = custom.definition.spec?.versions.find((x) => x.name === version) ?? custom.definition.spec?.versions.find((x) => x.name === custom.type.version);
  const printer = v?.additionalPrinterColumns;
  if (!printer || printer.length === 0) return [NAME_COLUMN, AGE_COLUMN];
  return [
    NAME_COLUMN,
    ...printer.map((c): Column => ({
      name: c.name,
      type: c.type === 'boolean' ? 'string' : c.type,
      format: c.format ?? '',
      description: c.description ?? c.name,
      priority: c.priority ?? 0,
      value: (obj: KubeObject, now: number) => cell(evaluateJsonPath(obj, c.jsonPath), c.type, now),
    })),
  ];
}
