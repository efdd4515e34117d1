// The one adapter over kubernetes-models and @kubernetes-models/istio: checks
// an object against the official OpenAPI schemas of its kind. Models load on
// first use of a kind (the packages cost ~0.2 s to load), synchronously via
// require so validateObject stays synchronous; preloadSchemas() warms them.

import { createRequire } from 'node:module';
import type { ObjectInput, ResourceType, StatusCause } from '../../api/index.ts';

interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

export interface ModelClass {
  new (data: unknown): { validate(): void };
  prototype: { validate(): void };
}

const require = createRequire(import.meta.url);

/** Istio's 2.3.x models ship v1alpha3/v1beta1 networking only; networking v1 has the v1beta1 schema. */
const SCHEMA_VERSION: Record<string, string> = { 'networking.istio.io/v1': 'v1beta1' };

export function schemaVersion(type: ResourceType, version: string): string {
  return SCHEMA_VERSION[`${type.group}/${version}`] ?? version;
}

function modulePath(type: ResourceType, version: string): string | undefined {
  const v = schemaVersion(type, version);
  if (type.group === '') return `kubernetes-models/${v}/${type.kind}`;
  if (type.group.endsWith('.istio.io')) return `@kubernetes-models/istio/${type.group}/${v}/${type.kind}`;
  // Every other built-in group (apps, batch, policy, storage.k8s.io, …) is a
  // folder of kubernetes-models; a group it lacks (meshlet's own, a CRD's)
  // fails to load once and is cached as "no schema".
  if (type.group.endsWith('.meshlet.dev')) return undefined;
  return `kubernetes-models/${type.group}/${v}/${type.kind}`;
}

const models = new Map<string, ModelClass | null>();

export function modelFor(type: ResourceType, version: string): ModelClass | null {
  const path = modulePath(type, version);
  if (!path) return null;
  let model = models.get(path);
  if (model === undefined) {
    try {
      const mod = require(path) as Record<string, unknown>;
      model = (mod[type.kind] as ModelClass | undefined) ?? null;
    } catch {
      model = null;
    }
    models.set(path, model);
  }
  return model;
}

export function hasSchema(type: ResourceType, version = type.version): boolean {
  return modelFor(type, version) !== null;
}

/** `/spec/ports/0/port` → `spec.ports[0].port`; keys with dots or slashes → `[key]`. */
export function toFieldPath(instancePath: string, child?: string): string {
  const segments = instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  let out = '';
  for (const seg of segments) {
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/[./]/.test(seg)) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

function valueAt(obj: unknown, instancePath: string): unknown {
  let node: unknown = obj;
  for (const seg of instancePath.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function causeOf(err: SchemaError, obj: unknown): StatusCause {
  const params = err.params ?? {};
  if (err.keyword === 'required') {
    return { field: toFieldPath(err.instancePath, String(params['missingProperty'])), reason: 'FieldValueRequired', message: 'Required value' };
  }
  const field = toFieldPath(err.instancePath);
  const value = JSON.stringify(valueAt(obj, err.instancePath));
  if (err.keyword === 'enum') {
    const allowed = ((params['allowedValues'] as unknown[] | undefined) ?? []).map((v) => JSON.stringify(v)).join(', ');
    return { field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${value}: supported values: ${allowed}` };
  }
  if (err.keyword === 'type') {
    return { field, reason: 'FieldValueTypeInvalid', message: `Invalid value: ${value}: ${field} in body must be of type ${String(params['type'])}` };
  }
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${err.message ?? err.keyword}` };
}

/** Schema causes, one per field path (the first schema error for a path wins). */
export function validateAgainstSchema(type: ResourceType, obj: ObjectInput): StatusCause[] {
  const model = modelFor(type, type.version);
  if (!model) return [];
  // The schema pins apiVersion to its own version; identity was checked by the registry already.
  const v = schemaVersion(type, type.version);
  const subject = { ...obj, apiVersion: type.group ? `${type.group}/${v}` : v, kind: type.kind };
  try {
    new model(subject).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: SchemaError[] }).errors;
    if (!Array.isArray(errors)) return [{ field: '', reason: 'InternalError', message: `schema validation failed: ${(err as Error).message}` }];
    const byField = new Map<string, StatusCause>();
    for (const e of errors) {
      if (e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
      const cause = causeOf(e, subject);
      if (!byField.has(cause.field)) byField.set(cause.field, cause);
    }
    return [...byField.values()];
  }
}

/** Loads every schema model now, so the first write of each kind pays nothing. */
export function preloadSchemas(types: readonly ResourceType[]): void {
  for (const t of types) modelFor(t, t.version);
}
