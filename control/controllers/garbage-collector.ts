// Garbage collector: ownerReference cascades, as Kubernetes does them.
// - An object whose owners are all gone is deleted (background cascade).
// - An owner marked with finalizer `foregroundDeletion` has its dependents
//   deleted first; the finalizer is removed once no dependent with
//   blockOwnerDeletion remains.
// - An owner marked with finalizer `orphan` has its ownerReference stripped
//   from every dependent, then the finalizer is removed.
// Keys name an object of any type: `<group>/<plural>:<namespace>/<name>`
// (see gcKey). reconcile reads everything from the Client.

import type { Client, KubeObject, ObjectInput, OwnerReference, ResourceType } from '../api/index.ts';
import { EVENTS, RESOURCE_TYPES, isApiError, resourceTypeForKind } from '../api/index.ts';
import type { Reconciler } from '../runtime/index.ts';
import { joinKey, splitKey } from './keys.ts';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

/** Types the collector looks at by default: every served type except Events. */
export const GC_TYPES: readonly ResourceType[] = RESOURCE_TYPES.filter((t) => t !== EVENTS);

export function gcKey(type: ResourceType, namespace: string | undefined, name: string): string {
  return `${type.group}/${type.plural}:${joinKey(type.namespaced ? namespace : undefined, name)}`;
}

export function parseGcKey(key: string, types: readonly ResourceType[] = RESOURCE_TYPES): { type: ResourceType; namespace: string | undefined; name: string } | undefined {
  const colon = key.indexOf(':');
  const [group, plural] = key.slice(0, colon).split('/');
  const type = types.find((t) => t.group === group && t.plural === plural);
  if (!type) return undefined;
  return { type, ...splitKey(key.slice(colon + 1)) };
}

export interface GarbageCollectorOptions {
  client: Client;
  /** The kinds collected; a function when kinds come and go (CRDs). Default: GC_TYPES. */
  types?: readonly ResourceType[] | (() => readonly ResourceType[]);
  /** An ownerReference's apiVersion + kind → its type. Default: the built-in table. */
  kindOf?: (apiVersion: string, kind: string) => ResourceType | undefined;
}

export function createGarbageCollector(options: GarbageCollectorOptions): Reconciler {
  const { client } = options;
  const typesOption = options.types ?? GC_TYPES;
  const currentTypes = (): readonly ResourceType[] => (typeof typesOption === 'function' ? typesOption() : typesOption);
  const kindOf = options.kindOf ?? resourceTypeForKind;

  async function findDependents(owner: KubeObject, ownerType: ResourceType): Promise<{ type: ResourceType; obj: KubeObject }[]> {
    const out: { type: ResourceType; obj: KubeObject }[] = [];
    for (const type of currentTypes()) {
      if (!type.namespaced && ownerType.namespaced) continue;
      const list = await client.list(type, ownerType.namespaced ? { namespace: owner.metadata.namespace } : {});
      for (const obj of list.items) {
        if (obj.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)) out.push({ type, obj });
      }
    }
    return out;
  }

  async function ownerExists(dependent: KubeObject, ref: OwnerReference): Promise<boolean> {
    const ownerType = kindOf(ref.apiVersion, ref.kind);
    // An owner of a kind we do not serve cannot be checked; leave the dependent alone.
    if (!ownerType) return true;
    const owner = await client.get(ownerType, ownerType.namespaced ? dependent.metadata.namespace : undefined, ref.name);
    return owner !== undefined && owner.metadata.uid === ref.uid;
  }

  async function removeFinalizer(type: ResourceType, obj: KubeObject, finalizer: string): Promise<void> {
    const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      await client.update(type, { ...obj, metadata: { ...obj.metadata, finalizers } } as ObjectInput);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  async function deleteQuietly(type: ResourceType, obj: KubeObject, propagationPolicy: 'Background' | 'Foreground'): Promise<void> {
    try {
      await client.delete(type, obj.metadata.namespace, obj.metadata.name, { propagationPolicy });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  async function processDeletingOwner(type: ResourceType, owner: KubeObject): Promise<void> {
    const finalizers = owner.metadata.finalizers ?? [];
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const { type: depType, obj } of await findDependents(owner, type)) {
        const ownerReferences = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
        try {
          await client.update(depType, { ...obj, metadata: { ...obj.metadata, ownerReferences } } as ObjectInput);
        } catch (err) {
          if (!isApiError(err, 'NotFound')) throw err;
        }
      }
      await removeFinalizer(type, owner, ORPHAN_FINALIZER);
      return;
    }
    if (finalizers.includes(FOREGROUND_FINALIZER)) {
      const dependents = await findDependents(owner, type);
      for (const { type: depType, obj } of dependents) {
        if (obj.metadata.deletionTimestamp) continue;
        // Pods have no dependents of their own; everything else cascades in the foreground too.
        await deleteQuietly(depType, obj, depType.kind === 'Pod' ? 'Background' : 'Foreground');
      }
      const remaining = dependents.some(({ obj }) => !obj.metadata.deletionTimestamp) ? await findDependents(owner, type) : dependents;
      const blocking = remaining.filter(({ obj }) =>
        obj.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid && r.blockOwnerDeletion === true),
      );
      if (blocking.length > 0) return;
      await removeFinalizer(type, owner, FOREGROUND_FINALIZER);
    }
  }

  return {
    name: 'garbage-collector',
    async reconcile(key) {
      const parsed = parseGcKey(key, currentTypes());
      if (!parsed) return;
      const { type, namespace, name } = parsed;
      const obj = await client.get(type, namespace, name);
      if (!obj) return;
      if (obj.metadata.deletionTimestamp) {
        await processDeletingOwner(type, obj);
        return;
      }
      const refs = obj.metadata.ownerReferences ?? [];
      if (refs.length === 0) return;
      const dangling: string[] = [];
      for (const ref of refs) if (!(await ownerExists(obj, ref))) dangling.push(ref.uid);
      if (dangling.length === 0) return;
      if (dangling.length === refs.length) {
        await deleteQuietly(type, obj, 'Background');
        return;
      }
      const ownerReferences = refs.filter((r) => !dangling.includes(r.uid));
      await client.update(type, { ...obj, metadata: { ...obj.metadata, ownerReferences } } as ObjectInput);
    },
  };
}
