// Strategic merge patch (application/strategic-merge-patch+json) for the
// built-in kinds: maps merge, lists named in merge-keys.ts merge by their key,
// other lists are replaced. Directives: `$patch: replace|delete|merge`,
// `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`.

import { ApiError } from '../../api/index.ts';
import { listStrategyFor } from './merge-keys.ts';
import type { ListStrategy } from './merge-keys.ts';
import { deepEqual, isPlainObject } from './values.ts';
import type { JsonObject } from './values.ts';

const DELETE = Symbol('delete');

function badPatch(path: readonly string[], why: string): ApiError {
  return new ApiError('BadRequest', `registry/patch: strategic merge patch at ${path.join('.') || '<root>'}: ${why}`);
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !(isPlainObject(v) && v['$patch'] !== undefined && Object.keys(v).length === 1)).map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = stripDirectives(v);
  return out;
}

function mergeMap(kind: string, original: unknown, patch: JsonObject, path: readonly string[]): JsonObject | typeof DELETE {
  const directive = patch['$patch'];
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') return stripDirectives(patch) as JsonObject;
  if (directive !== undefined && directive !== 'merge') throw badPatch(path, `unknown $patch directive ${JSON.stringify(directive)}`);
  const out: JsonObject = isPlainObject(original) ? { ...original } : {};
  const orders: [string, unknown[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) {
      if (!Array.isArray(value)) throw badPatch(path, `${key} must be a list`);
      orders.push([key.slice('$setElementOrder/'.length), value]);
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      if (!Array.isArray(value)) throw badPatch(path, `${key} must be a list`);
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((v) => !value.some((d) => deepEqual(d, v)));
      continue;
    }
    if (key.startsWith('$')) throw badPatch(path, `unknown directive ${JSON.stringify(key)}`);
    const childPath = [...path, key];
    if (value === null) {
      delete out[key];
    } else if (isPlainObject(value)) {
      const merged = mergeMap(kind, out[key], value, childPath);
      if (merged === DELETE) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(value)) {
      out[key] = mergeList(kind, out[key], value, childPath);
    } else {
      out[key] = value;
    }
  }
  for (const [field, order] of orders) {
    const strategy = listStrategyFor(kind, [...path, field]);
    if (Array.isArray(out[field]) && strategy) out[field] = reorder(out[field] as unknown[], order, strategy);
  }
  const retain = patch['$retainKeys'];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badPatch(path, '$retainKeys must be a list');
    for (const key of Object.keys(out)) if (!retain.includes(key)) delete out[key];
  }
  return out;
}

function keyOf(item: unknown, strategy: ListStrategy): unknown {
  return 'mergeKey' in strategy ? (isPlainObject(item) ? item[strategy.mergeKey] : undefined) : item;
}

function reorder(list: unknown[], order: unknown[], strategy: ListStrategy): unknown[] {
  const rank = (item: unknown): number => {
    const k = keyOf(item, strategy);
    const i = order.findIndex((o) => deepEqual(keyOf(o, strategy), k));
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return list.map((item, i) => ({ item, i, r: rank(item) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.item);
}

function mergeList(kind: string, original: unknown, patch: unknown[], path: readonly string[]): unknown[] {
  const strategy = listStrategyFor(kind, path);
  const replace = patch.some((item) => isPlainObject(item) && item['$patch'] === 'replace' && Object.keys(item).length === 1);
  if (!strategy || replace || !Array.isArray(original)) {
    return stripDirectives(patch.filter((item) => !(isPlainObject(item) && item['$patch'] === 'delete'))) as unknown[];
  }
  if ('primitiveMerge' in strategy) {
    const out = [...original];
    for (const item of patch) if (!out.some((o) => deepEqual(o, item))) out.push(item);
    return out;
  }
  const out: unknown[] = [...original];
  for (const item of patch) {
    if (!isPlainObject(item)) throw badPatch(path, `list items must be objects with merge key "${strategy.mergeKey}"`);
    const key = item[strategy.mergeKey];
    if (key === undefined) throw badPatch(path, `list item is missing its merge key "${strategy.mergeKey}"`);
    const at = out.findIndex((o) => isPlainObject(o) && deepEqual(o[strategy.mergeKey], key));
    if (item['$patch'] === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    const merged = mergeMap(kind, at >= 0 ? out[at] : undefined, item, path);
    if (merged === DELETE) {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) {
      out[at] = merged;
    } else {
      out.push(merged);
    }
  }
  return out;
}

export function applyStrategicMergePatch(kind: string, original: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) throw new ApiError('BadRequest', 'registry/patch: a strategic merge patch must be a JSON object');
  const merged = mergeMap(kind, original, patch, []);
  if (merged === DELETE) throw badPatch([], '$patch: delete of the whole object is not allowed');
  return merged;
}
