// Owner references: who controls an object, and the reference a controller
// stamps on what it creates. Garbage collection and adoption rely on these.

import type { KubeObject, ObjectMetaInput, OwnerReference } from '../api/index.ts';

/** The reference a controller puts on the objects it creates or adopts. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerOf(meta: ObjectMetaInput): OwnerReference | undefined {
  return meta.ownerReferences?.find((r) => r.controller === true);
}

export function isControlledBy(obj: { metadata: ObjectMetaInput }, owner: KubeObject): boolean {
  return controllerOf(obj.metadata)?.uid === owner.metadata.uid;
}

/** Returns a copy of `obj` with `owner` added as its controller. */
export function withControllerRef<T extends KubeObject>(obj: T, owner: KubeObject): T {
  const refs = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
  return { ...obj, metadata: { ...obj.metadata, ownerReferences: [...refs, controllerRef(owner)] } };
}

export function isBeingDeleted(obj: { metadata: ObjectMetaInput }): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}
