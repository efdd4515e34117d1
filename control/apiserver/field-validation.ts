// fieldValidation=Strict|Warn|Ignore for fields the kind's schema does not
// define, as the Kubernetes API server does it: Strict rejects the request
// (400 "strict decoding error: unknown field ..."), Warn (the default) answers
// with a `Warning: 299` header per field, and both Warn and Ignore drop the
// fields before the write.

import type { ServerResponse } from 'node:http';
import type { CustomKind, ResourceType } from '../api/index.ts';
import { ApiError } from '../api/index.ts';
import { pruneFields, unknownCustomFields, unknownFields } from '../registry/validation/index.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationParam(query: URLSearchParams): FieldValidation {
  const raw = query.get('fieldValidation') || 'Warn';
  if (raw !== 'Strict' && raw !== 'Warn' && raw !== 'Ignore') {
    throw new ApiError('BadRequest', `apiserver: fieldValidation=${JSON.stringify(raw)} must be Strict, Warn or Ignore`);
  }
  return raw;
}

function warn(res: ServerResponse, messages: string[]): void {
  const existing = res.getHeader('warning');
  const previous = Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)];
  res.setHeader('warning', [...previous, ...messages.map((m) => `299 - ${JSON.stringify(m)}`)]);
}

/** Returns the body to write: unchanged, or without its unknown fields; throws under Strict. */
/**
 * The model's validator does not read every member of a CRD version (its
 * recursive schemas, printer column descriptions), so what a CRD's versions
 * hold is not judged by observation; the CRD rules check them instead.
 */
const CRD_SCHEMA_FIELD = /^spec\.versions\[\d+\]\./;

function unknownFieldsOf(type: ResourceType, body: Record<string, unknown>, custom: CustomKind | undefined): string[] {
  if (custom) return unknownCustomFields(custom, body);
  const found = unknownFields(type, body);
  return type.group === 'apiextensions.k8s.io' && type.kind === 'CustomResourceDefinition' ? found.filter((f) => !CRD_SCHEMA_FIELD.test(f)) : found;
}

/** `custom`: the CRD-defined kind, whose unknown fields are the ones its schema would prune. */
export function enforceFieldValidation<T extends object>(res: ServerResponse, type: ResourceType, version: string, body: T, mode: FieldValidation, custom?: CustomKind): T {
  if (Array.isArray(body)) return body;
  const unknown = unknownFieldsOf(type, body as Record<string, unknown>, custom);
  if (unknown.length === 0) return body;
  const list = unknown.map((f) => `unknown field ${JSON.stringify(f)}`);
  if (mode === 'Strict') {
    throw new ApiError('BadRequest', `${type.kind} in version ${JSON.stringify(version)} cannot be handled as a ${type.kind}: strict decoding error: ${list.join(', ')}`);
  }
  if (mode === 'Warn') warn(res, list);
  return pruneFields(body, unknown);
}
