// Finds fields the official schema does not know (`spec.replica` for
// `spec.replicas`), which Kubernetes rejects under fieldValidation=Strict.
//
// The schema packages ship compiled validators, not schema documents, so the
// known fields are observed rather than looked up: the object is validated
// through recording proxies, and every member the validator never read is
// unknown. An object the validator read nothing from is opaque to the schema
// (free-form, preserve-unknown-fields) and is not descended into.

import type { ObjectInput, ResourceType } from '../../api/index.ts';
import { modelFor, schemaVersion } from './schema-models.ts';

type Reads = Map<object, Set<string>>;

/** Fields the schema defines but its compiled validator never reads (a property named like a schema keyword). */
const UNREAD_KNOWN_FIELDS: Record<string, readonly string[]> = {
  'scheduling.k8s.io/PriorityClass': ['description'],
};

function record(value: unknown, reads: Reads, proxies: WeakMap<object, object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const existing = proxies.get(value);
  if (existing) return existing;
  const keys = new Set<string>();
  reads.set(value, keys);
  const proxy = new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key !== 'string') return Reflect.get(target, key, receiver) as unknown;
      // Reads of absent members count too: they show the schema describes this object.
      keys.add(key);
      if (Object.prototype.hasOwnProperty.call(target, key)) return record((target as Record<string, unknown>)[key], reads, proxies);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  proxies.set(value, proxy);
  return proxy;
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function collect(value: unknown, path: string, reads: Reads, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => collect(item, childPath(path, i), reads, out));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const seen = reads.get(value);
  if (!seen || seen.size === 0) return;
  for (const [key, child] of Object.entries(value)) {
    // Strategic-merge directives, and nulls: in a patch, null deletes a field, which is never an error.
    if (key.startsWith('$') || child === null) continue;
    if (!seen.has(key)) out.push(childPath(path, key));
    else collect(child, childPath(path, key), reads, out);
  }
}

/**
 * Field paths of `obj` its kind's schema does not define; [] when the kind has
 * no schema. Works on partial objects too (patch bodies): absent members are
 * simply not checked.
 */
export function unknownFields(type: ResourceType, obj: ObjectInput | Record<string, unknown>): string[] {
  const model = modelFor(type, type.version);
  if (!model) return [];
  const v = schemaVersion(type, type.version);
  const top = Object.assign(Object.create(model.prototype) as object, obj, { apiVersion: type.group ? `${type.group}/${v}` : v, kind: type.kind });
  const reads: Reads = new Map();
  const proxy = record(top, reads, new WeakMap()) as { validate(): void };
  try {
    proxy.validate();
  } catch {
    // Schema errors are reported by validateObject; here only the reads matter.
  }
  const out: string[] = [];
  collect(top, '', reads, out);
  const unread = UNREAD_KNOWN_FIELDS[`${type.group}/${type.kind}`];
  return unread ? out.filter((f) => !unread.includes(f)) : out;
}

/** Removes the given field paths (as unknownFields returns them) from a copy of obj. */
export function pruneFields<T>(obj: T, paths: readonly string[]): T {
  const copy = structuredClone(obj);
  for (const path of paths) {
    const tokens = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
    let node: unknown = copy;
    for (const token of tokens.slice(0, -1)) node = (node as Record<string | number, unknown> | undefined)?.[token];
    const last = tokens[tokens.length - 1];
    if (node && typeof node === 'object' && last !== undefined) delete (node as Record<string | number, unknown>)[last];
  }
  return copy;
}
