// Pruning and defaulting of custom resources, as apiextensions-apiserver does
// them on every write: fields the structural schema does not specify are
// dropped (unless x-kubernetes-preserve-unknown-fields), then `default`s fill
// absent fields. Both work in place on a copy the caller owns.

import type { JSONSchemaProps } from '../../../api/index.ts';
import { childField, isPlainObject } from './field-path.ts';

const EMBEDDED_KEEP = new Set(['apiVersion', 'kind', 'metadata']);

/** Removes unspecified fields from `value` in place; `pruned` collects their field paths. */
export function pruneValue(s: JSONSchemaProps, value: unknown, isRoot = false, path = '', pruned?: string[]): void {
  if (Array.isArray(value)) {
    if (s.items) value.forEach((item, i) => pruneValue(s.items!, item, false, childField(path, i), pruned));
    return;
  }
  if (!isPlainObject(value)) return;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const additional = isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined;
  const keepAll = preserve || s.additionalProperties === true;
  for (const key of Object.keys(value)) {
    const sub = s.properties?.[key] ?? additional;
    if (sub) {
      pruneValue(sub, value[key], false, childField(path, key), pruned);
      continue;
    }
    if ((isRoot || s['x-kubernetes-embedded-resource']) && EMBEDDED_KEEP.has(key)) continue;
    if (keepAll) continue;
    // A null in a patch deletes the field: never an unknown field.
    if (value[key] !== null) pruned?.push(childField(path, key));
    delete value[key];
  }
}

/** Fills absent (or null, where not nullable) fields that have a `default`, in place. */
export function applySchemaDefaults(s: JSONSchemaProps, value: unknown): void {
  if (Array.isArray(value)) {
    if (s.items) for (const item of value) applySchemaDefaults(s.items, item);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, sub] of Object.entries(s.properties ?? {})) {
    const absent = value[key] === undefined || (value[key] === null && !sub.nullable);
    if (absent && sub.default !== undefined) value[key] = structuredClone(sub.default);
    if (value[key] !== undefined) applySchemaDefaults(sub, value[key]);
  }
  if (isPlainObject(s.additionalProperties)) {
    for (const key of Object.keys(value)) if (!s.properties?.[key]) applySchemaDefaults(s.additionalProperties, value[key]);
  }
}
