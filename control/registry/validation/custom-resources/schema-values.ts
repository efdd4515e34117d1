// Validates a custom resource against its CRD's structural openAPIV3Schema,
// with the field paths and messages Kubernetes gives (kube-openapi's validate
// errors as apiextensions-apiserver reports them): `spec.replicas: Invalid
// value: "x": spec.replicas in body must be of type integer: "x"`.
// CEL rules (x-kubernetes-validations) are not evaluated.

import type { JSONSchemaProps, StatusCause } from '../../../api/index.ts';
import { childField, isPlainObject } from './field-path.ts';
import { formatError } from './formats.ts';

type Causes = StatusCause[];

function show(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

function invalid(field: string, value: unknown, detail: string): StatusCause {
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${field} in body ${detail}` };
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(type: string, value: unknown): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function typeError(field: string, value: unknown, expected: string): StatusCause {
  const shown = value === null ? '"null"' : show(value);
  return { field, reason: 'FieldValueTypeInvalid', message: `Invalid value: ${shown}: ${field} in body must be of type ${expected}: ${JSON.stringify(typeOf(value))}` };
}

function stableKey(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableKey).join(',')}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableKey(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

function numberCauses(s: JSONSchemaProps, field: string, value: number): Causes {
  const out: Causes = [];
  if (s.minimum !== undefined && (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum)) {
    out.push(invalid(field, value, `should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`));
  }
  if (s.maximum !== undefined && (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum)) {
    out.push(invalid(field, value, `should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`));
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(value / s.multipleOf)) out.push(invalid(field, value, `should be a multiple of ${s.multipleOf}`));
  return out;
}

function stringCauses(s: JSONSchemaProps, field: string, value: string): Causes {
  const out: Causes = [];
  const length = [...value].length;
  if (s.maxLength !== undefined && length > s.maxLength) out.push({ field, reason: 'FieldValueTooLong', message: `Too long: may not be more than ${s.maxLength} bytes` });
  if (s.minLength !== undefined && length < s.minLength) out.push(invalid(field, value, `should be at least ${s.minLength} chars long`));
  if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value)) out.push(invalid(field, value, `should match '${s.pattern}'`));
  if (s.format !== undefined) {
    const bad = formatError(s.format, value);
    if (bad) out.push(invalid(field, value, `must be of type ${s.format}: ${JSON.stringify(value)}`));
  }
  return out;
}

function arrayCauses(s: JSONSchemaProps, field: string, value: unknown[]): Causes {
  const out: Causes = [];
  if (s.maxItems !== undefined && value.length > s.maxItems) out.push({ field, reason: 'FieldValueTooMany', message: `Too many: ${value.length}: must have at most ${s.maxItems} items` });
  if (s.minItems !== undefined && value.length < s.minItems) out.push(invalid(field, value.length, `should have at least ${s.minItems} items`));
  const listType = s['x-kubernetes-list-type'];
  if (s.uniqueItems || listType === 'set') {
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const key = stableKey(item);
      if (seen.has(key)) out.push({ field: childField(field, i), reason: 'FieldValueDuplicate', message: `Duplicate value: ${show(item)}` });
      seen.add(key);
    });
  }
  if (listType === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    value.forEach((item, i) => {
      if (!isPlainObject(item)) return;
      const key = stableKey(keys.map((k) => item[k]));
      if (seen.has(key)) out.push({ field: childField(field, i), reason: 'FieldValueDuplicate', message: `Duplicate value: ${show(Object.fromEntries(keys.map((k) => [k, item[k]])))}` });
      seen.add(key);
    });
  }
  if (s.items) value.forEach((item, i) => out.push(...validateValue(s.items!, item, childField(field, i))));
  return out;
}

function objectCauses(s: JSONSchemaProps, field: string, value: Record<string, unknown>): Causes {
  const out: Causes = [];
  for (const name of s.required ?? []) {
    if (value[name] === undefined) out.push({ field: childField(field, name), reason: 'FieldValueRequired', message: 'Required value' });
  }
  const count = Object.keys(value).length;
  if (s.maxProperties !== undefined && count > s.maxProperties) out.push(invalid(field, count, `should have at most ${s.maxProperties} properties`));
  if (s.minProperties !== undefined && count < s.minProperties) out.push(invalid(field, count, `should have at least ${s.minProperties} properties`));
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    const sub = s.properties?.[key] ?? (isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined);
    if (sub) out.push(...validateValue(sub, child, childField(field, key)));
  }
  return out;
}

/** Causes for `value` at `field` under schema `s` (empty = valid). */
export function validateValue(s: JSONSchemaProps, value: unknown, field: string): Causes {
  if (value === null) {
    if (s.nullable || s['x-kubernetes-preserve-unknown-fields'] && !s.type) return [];
    return s.type ? [typeError(field, null, s.type)] : [];
  }
  if (s['x-kubernetes-int-or-string']) {
    if (!(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) return [typeError(field, value, 'integer,string')];
  } else if (s.type && !typeMatches(s.type, value)) {
    return [typeError(field, value, s.type)];
  }
  const out: Causes = [];
  if (s.enum && !s.enum.some((e) => stableKey(e) === stableKey(value))) {
    out.push({ field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${show(value)}: supported values: ${s.enum.map((e) => show(e)).join(', ')}` });
  }
  if (typeof value === 'number') out.push(...numberCauses(s, field, value));
  else if (typeof value === 'string') out.push(...stringCauses(s, field, value));
  else if (Array.isArray(value)) out.push(...arrayCauses(s, field, value));
  else if (isPlainObject(value)) out.push(...objectCauses(s, field, value));
  for (const part of s.allOf ?? []) out.push(...validateValue(part, value, field));
  if (s.anyOf && !s.anyOf.some((part) => validateValue(part, value, field).length === 0)) {
    out.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${field} in body must match at least one schema (anyOf)` });
  }
  if (s.oneOf && s.oneOf.filter((part) => validateValue(part, value, field).length === 0).length !== 1) {
    out.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${field} in body must match exactly one schema (oneOf)` });
  }
  if (s.not && validateValue(s.not, value, field).length === 0) {
    out.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${field} in body must not validate the schema (not)` });
  }
  return out;
}
