// Update validation that lets stored objects keep what they already had.
//
// An object written by an earlier meshlet (or before a rule existed) can break a
// rule the current code enforces, e.g. a Node whose status lacks nodeInfo
// fields the schema requires. Rejecting every later update of it would make
// the object unchangeable: no label, taint or cordon. So, as Kubernetes does
// for CRDs (validation ratcheting, KEP-4008), an update is refused only for
// errors it introduces: an error the stored object already had, on a field the
// update leaves as it was, is not reported. A changed field, or a rule the
// stored object passed (such as a selector that matched its template), is
// checked in full.

import type { CustomKind, KubeObject, ObjectInput, ResourceType, StatusCause } from '../../api/index.ts';
import { stableStringify } from '../../api/stable-json.ts';
import { validateObject } from './index.ts';
import { validatePersistentVolumeClaimUpdate, validatePersistentVolumeUpdate, validateStorageClassUpdate } from './storage.ts';

/** Rules about the change itself (immutable fields), checked on every update. */
const TRANSITION_RULES: Record<string, (next: ObjectInput, current: ObjectInput) => StatusCause[]> = {
  '/PersistentVolumeClaim': validatePersistentVolumeClaimUpdate,
  '/PersistentVolume': validatePersistentVolumeUpdate,
  'storage.k8s.io/StorageClass': validateStorageClassUpdate,
};

/** `spec.ports[0].port`, `metadata.annotations[a.b/c]` → the member names along the way. */
export function fieldPathSegments(field: string): string[] {
  return [...field.matchAll(/\[([^\]]*)\]|([^.[\]]+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

function valueAt(obj: unknown, field: string): unknown {
  let node: unknown = obj;
  for (const segment of fieldPathSegments(field)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

const causeId = (c: StatusCause): string => `${c.field}\u0000${c.reason}\u0000${c.message}`;

/** Causes that make `next` an invalid update of `current` (empty = valid). */
export function validateUpdate(type: ResourceType, next: ObjectInput, current: KubeObject, custom?: CustomKind): StatusCause[] {
  const transitions = TRANSITION_RULES[`${type.group}/${type.kind}`]?.(next, current as ObjectInput) ?? [];
  const causes = validateObject(type, next, custom);
  // Most updates are valid: validate the stored object only when there is something to excuse.
  if (causes.length === 0) return transitions;
  const inherited = new Set(validateObject(type, current as ObjectInput, custom).map(causeId));
  const introduced = causes.filter(
    (c) => c.field === '' || !inherited.has(causeId(c)) || stableStringify(valueAt(next, c.field)) !== stableStringify(valueAt(current, c.field)),
  );
  return [...introduced, ...transitions];
}
