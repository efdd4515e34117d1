// How objects sit in the store: everything but resourceVersion, which is the
// key's modRevision and is stamped back on when read.

import { deepClone } from './object-meta.ts';
import type { KeyValue, KubeObject, ObjectInput } from '../api/index.ts';

export type StoredObject = Omit<KubeObject, 'metadata'> & { metadata: Omit<KubeObject['metadata'], 'resourceVersion'> };

/** Stores hand out freshly parsed values on every read and event, so no copy is needed here. */
export function toObject<T extends KubeObject>(kv: KeyValue<StoredObject>): T {
  const value = kv.value;
  return { ...value, metadata: { ...value.metadata, resourceVersion: String(kv.modRevision) } } as unknown as T;
}

export function stripVersion(obj: ObjectInput | KubeObject): StoredObject {
  const copy = deepClone(obj) as KubeObject;
  delete (copy.metadata as { resourceVersion?: string }).resourceVersion;
  return copy as StoredObject;
}
