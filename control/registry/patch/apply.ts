// Server-side apply (application/apply-patch+yaml). The applied configuration
// is the manager's whole intent: fields it sets become owned by it, fields it
// owned before and no longer sets are removed (unless someone else owns them),
// and setting a field another manager owns to a different value is a 409
// conflict unless `force`, which transfers ownership.

import type { KubeObject, ObjectInput, ResourceType, StatusCause } from '../../api/index.ts';
import { ApiError, apiVersionOf } from '../../api/index.ts';
import { describePath, fromFieldsV1, leafPaths, pathKey, removeAt, toFieldsV1, valueAt } from './field-set.ts';
import type { FieldPath } from './field-set.ts';
import { listStrategyFor } from './merge-keys.ts';
import { deepEqual, isPlainObject } from './values.ts';
import type { JsonObject } from './values.ts';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'discovery.k8s.io', 'coordination.k8s.io', 'networking.k8s.io']);

/** Merges applied config into live state: maps recursively, keyed lists by key (built-ins), other lists replaced. */
function mergeApplied(kind: string, live: unknown, applied: unknown, names: string[], keyedLists: boolean): unknown {
  if (isPlainObject(applied)) {
    const out: JsonObject = isPlainObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(kind, out[k], v, [...names, k], keyedLists);
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live) && keyedLists) {
    const strategy = listStrategyFor(kind, names);
    if (strategy && 'mergeKey' in strategy) {
      const out = [...live];
      for (const item of applied) {
        const at = isPlainObject(item) ? out.findIndex((o) => isPlainObject(o) && deepEqual(o[strategy.mergeKey], item[strategy.mergeKey])) : -1;
        if (at >= 0) out[at] = mergeApplied(kind, out[at], item, names, keyedLists);
        else out.push(structuredClone(item));
      }
      return out;
    }
    if (strategy) return [...live, ...applied.filter((a) => !live.some((l) => deepEqual(l, a)))];
  }
  return structuredClone(applied);
}

function managedFieldsOf(obj: KubeObject | undefined): ManagedFieldsEntry[] {
  const raw = obj?.metadata.managedFields;
  return Array.isArray(raw) ? (raw.filter((e) => isPlainObject(e)) as unknown as ManagedFieldsEntry[]) : [];
}

export function applyServerSide(
  type: ResourceType,
  current: KubeObject | undefined,
  body: unknown,
  options: { fieldManager?: string; force?: boolean },
): ObjectInput {
  const manager = options.fieldManager;
  if (!manager) throw new ApiError('BadRequest', 'registry/patch: fieldManager is required for apply requests');
  if (!isPlainObject(body) || !isPlainObject(body['metadata'])) {
    throw new ApiError('BadRequest', 'registry/patch: an apply patch must be an object with apiVersion, kind and metadata');
  }
  if (body['kind'] !== type.kind) {
    throw new ApiError('BadRequest', `registry/patch: apply patch kind ${JSON.stringify(body['kind'])} does not match ${type.kind}`);
  }
  const keyedLists = BUILTIN_GROUPS.has(type.group);
  const applied = structuredClone(body) as JsonObject;
  delete (applied['metadata'] as JsonObject)['managedFields'];
  const newPaths = leafPaths(type.kind, applied, keyedLists);
  const newKeys = new Set(newPaths.map(pathKey));
  const entries = managedFieldsOf(current).map((e) => ({ ...e, paths: fromFieldsV1(e.fieldsV1) }));
  const isSelf = (e: { manager: string; operation: string }): boolean => e.manager === manager && e.operation === 'Apply';

  const conflicts: { manager: string; path: FieldPath }[] = [];
  for (const e of entries) {
    if (isSelf(e)) continue;
    for (const p of e.paths) {
      if (!newKeys.has(pathKey(p)) || p[p.length - 1] === '.') continue;
      if (current && !deepEqual(valueAt(current, p), valueAt(applied, p))) conflicts.push({ manager: e.manager, path: p });
    }
  }
  if (conflicts.length > 0 && !options.force) {
    const causes: StatusCause[] = conflicts.map((c) => ({
      field: describePath(c.path),
      reason: 'FieldManagerConflict',
      message: `conflict with "${c.manager}": ${describePath(c.path)}`,
    }));
    throw new ApiError(
      'Conflict',
      `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${causes.map((c) => c.message).join(', ')}`,
      { name: String((body['metadata'] as JsonObject)['name'] ?? ''), kind: type.plural, group: type.group, causes },
    );
  }

  let result: JsonObject;
  if (current) {
    result = structuredClone(current) as unknown as JsonObject;
    const previous = entries.find(isSelf)?.paths ?? [];
    const ownedByOthers = new Set(entries.filter((e) => !isSelf(e)).flatMap((e) => e.paths.map(pathKey)));
    for (const p of previous) if (!newKeys.has(pathKey(p)) && !ownedByOthers.has(pathKey(p))) removeAt(result, p);
    result = mergeApplied(type.kind, result, applied, [], keyedLists) as JsonObject;
  } else {
    result = applied;
  }

  const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const stolen = new Set(options.force ? conflicts.map((c) => pathKey(c.path)) : []);
  const managed: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (isSelf(e)) continue;
    const kept = e.paths.filter((p) => !stolen.has(pathKey(p)));
    if (kept.length === 0) continue;
    const { paths: _paths, ...entry } = e;
    managed.push({ ...entry, fieldsV1: toFieldsV1(kept) });
  }
  managed.push({ manager, operation: 'Apply', apiVersion: apiVersionOf(type), time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(newPaths) });
  (result['metadata'] as JsonObject)['managedFields'] = managed;
  result['apiVersion'] = apiVersionOf(type);
  return result as unknown as ObjectInput;
}

/**
 * Records a non-apply write (create, update, patch) in managedFields: the
 * manager takes ownership of every field whose value it changed, and other
 * managers lose those fields. The registry calls this on writes that carry a
 * fieldManager so later server-side applies see the right owners.
 */
export function recordUpdateManager(type: ResourceType, before: KubeObject | undefined, after: ObjectInput, manager: string, time: string): ObjectInput {
  // A write that sets managedFields itself (kubectl's client-side → server-side apply upgrade) is taken as given.
  const explicit = after.metadata.managedFields;
  if (Array.isArray(explicit) && explicit.length > 0 && !deepEqual(explicit, before?.metadata.managedFields)) return after;
  const keyed = BUILTIN_GROUPS.has(type.group);
  const afterPaths = leafPaths(type.kind, after, keyed);
  const changed = afterPaths.filter((p) => !before || !deepEqual(valueAt(before, p), valueAt(after, p)));
  const entries = managedFieldsOf(before).map((e) => ({ ...e, paths: fromFieldsV1(e.fieldsV1) }));
  const live = new Set(afterPaths.map(pathKey));
  const changedKeys = new Set(changed.map(pathKey));
  const managed: ManagedFieldsEntry[] = [];
  let mine: FieldPath[] = [];
  for (const e of entries) {
    const { paths, ...entry } = e;
    if (e.manager === manager && e.operation === 'Update') {
      mine = paths.filter((p) => live.has(pathKey(p)));
      continue;
    }
    const kept = paths.filter((p) => live.has(pathKey(p)) && !changedKeys.has(pathKey(p)));
    if (kept.length > 0) managed.push({ ...entry, fieldsV1: toFieldsV1(kept) });
  }
  const ownedKeys = new Set(mine.map(pathKey));
  const owned = [...mine, ...changed.filter((p) => !ownedKeys.has(pathKey(p)))];
  if (owned.length > 0) {
    managed.push({ manager, operation: 'Update', apiVersion: apiVersionOf(type), time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(owned) });
  }
  const out = structuredClone(after);
  out.metadata.managedFields = managed;
  return out;
}
