// Field selectors (`spec.nodeName=node-1,metadata.name!=x`) evaluated against
// any dotted path of an object, as the API server supports for the fields
// kubectl and controllers use.

import { ApiError, parseLabelSelector, matchesRequirements } from '../api/index.ts';
import type { KubeObject, Requirement } from '../api/index.ts';

export interface FieldRequirement {
  path: string;
  op: 'eq' | 'neq';
  value: string;
}

export function parseFieldSelector(text: string | undefined): FieldRequirement[] {
  if (!text) return [];
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((part) => {
      const m = part.match(/^([\w.]+)\s*(==|=|!=)\s*(.*)$/);
      if (!m) throw new ApiError('BadRequest', `invalid field selector "${part}": expected field=value or field!=value`);
      return { path: m[1]!, op: m[2] === '!=' ? 'neq' : 'eq', value: m[3]! } as FieldRequirement;
    });
}

function readPath(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

export function matchesFields(obj: KubeObject, requirements: readonly FieldRequirement[]): boolean {
  return requirements.every((r) => {
    const actual = readPath(obj, r.path);
    return r.op === 'eq' ? actual === r.value : actual !== r.value;
  });
}

export interface ObjectFilter {
  labels: Requirement[];
  fields: FieldRequirement[];
}

export function compileFilter(labelSelector?: string, fieldSelector?: string): ObjectFilter {
  return { labels: labelSelector ? parseLabelSelector(labelSelector) : [], fields: parseFieldSelector(fieldSelector) };
}

export function matchesFilter(obj: KubeObject, filter: ObjectFilter): boolean {
  return matchesRequirements(obj.metadata.labels, filter.labels) && matchesFields(obj, filter.fields);
}

export function isEmptyFilter(filter: ObjectFilter): boolean {
  return filter.labels.length === 0 && filter.fields.length === 0;
}
