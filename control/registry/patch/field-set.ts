// Field sets in the managedFields `FieldsV1` shape: nested objects whose keys
// are `f:<member>`, `k:<json of merge key>` (keyed list items) and `.` (the
// item itself). Leaves are `{}`. Used by server-side apply for ownership.

import { listStrategyFor } from './merge-keys.ts';
import { deepEqual, isPlainObject } from './values.ts';
import type { JsonObject } from './values.ts';

export type FieldPath = readonly string[];

/** Members that identify an object rather than describe it; never owned. */
const IDENTITY = new Set(['apiVersion', 'kind']);
const META_IDENTITY = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'selfLink']);

export function leafPaths(kind: string, obj: unknown, listKeys: boolean): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (value: unknown, names: string[], segs: string[]): void => {
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) {
        if (segs.length === 0 && IDENTITY.has(k)) continue;
        if (names.length === 1 && names[0] === 'metadata' && META_IDENTITY.has(k)) continue;
        walk(v, [...names, k], [...segs, `f:${k}`]);
      }
      return;
    }
    const strategy = listKeys && Array.isArray(value) ? listStrategyFor(kind, names) : undefined;
    if (Array.isArray(value) && strategy && 'mergeKey' in strategy) {
      for (const item of value) {
        if (!isPlainObject(item)) continue;
        const seg = `k:${JSON.stringify({ [strategy.mergeKey]: item[strategy.mergeKey] })}`;
        out.push([...segs, seg, '.']);
        walk(item, names, [...segs, seg]);
      }
      return;
    }
    if (Array.isArray(value) && strategy) {
      for (const item of value) out.push([...segs, `v:${JSON.stringify(item)}`]);
      return;
    }
    if (segs.length > 0) out.push(segs);
  };
  walk(obj, [], []);
  return out;
}

export function toFieldsV1(paths: readonly FieldPath[]): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const seg of path) node = (node[seg] ??= {}) as JsonObject;
  }
  return root;
}

export function fromFieldsV1(fields: unknown): FieldPath[] {
  const out: FieldPath[] = [];
  const walk = (node: unknown, segs: string[]): void => {
    if (!isPlainObject(node) || Object.keys(node).length === 0) {
      if (segs.length > 0) out.push(segs);
      return;
    }
    for (const [k, v] of Object.entries(node)) walk(v, [...segs, k]);
  };
  walk(fields, []);
  return out;
}

export function pathKey(path: FieldPath): string {
  return path.join('\u0000');
}

/** Reads the value a field path points at; `undefined` when absent. */
export function valueAt(obj: unknown, path: FieldPath): unknown {
  let node: unknown = obj;
  for (const seg of path) {
    if (seg === '.') return node;
    if (seg.startsWith('f:')) {
      node = isPlainObject(node) ? node[seg.slice(2)] : undefined;
    } else if (seg.startsWith('k:')) {
      const key = JSON.parse(seg.slice(2)) as JsonObject;
      node = Array.isArray(node) ? node.find((item) => isPlainObject(item) && Object.entries(key).every(([k, v]) => deepEqual(item[k], v))) : undefined;
    } else if (seg.startsWith('v:')) {
      const want = JSON.parse(seg.slice(2)) as unknown;
      return Array.isArray(node) && node.some((v) => deepEqual(v, want)) ? want : undefined;
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** Removes the member, keyed item or set value a path points at (in place). */
export function removeAt(obj: unknown, path: FieldPath): void {
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (last === '.') return removeAt(obj, path.slice(0, -1));
  const parent = valueAt(obj, path.slice(0, -1));
  if (last.startsWith('f:') && isPlainObject(parent)) delete parent[last.slice(2)];
  else if ((last.startsWith('k:') || last.startsWith('v:')) && Array.isArray(parent)) {
    const target = valueAt(parent, [last]);
    const at = last.startsWith('k:') ? parent.indexOf(target) : parent.findIndex((v) => deepEqual(v, target));
    if (at >= 0) parent.splice(at, 1);
  }
}

/** Formats a path as the `.spec.containers[name="x"].image` form Kubernetes uses in conflict messages. */
export function describePath(path: FieldPath): string {
  return path
    .map((seg) => {
      if (seg.startsWith('f:')) return `.${seg.slice(2)}`;
      if (seg.startsWith('k:')) {
        const key = JSON.parse(seg.slice(2)) as JsonObject;
        return `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
      }
      if (seg.startsWith('v:')) return `[${seg.slice(2)}]`;
      return '';
    })
    .join('');
}
