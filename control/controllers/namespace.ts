// Namespace controller. Contract: the finalizer is `kubernetes` in
// spec.finalizers, as on Kubernetes — the registry defaults it on create and
// keeps a deleted namespace (phase Terminating) while spec.finalizers is not
// empty. This controller deletes everything in a terminating namespace, then
// removes `kubernetes` from spec.finalizers (and from metadata.finalizers, if a
// client put it there), which lets the registry delete the namespace. A
// namespace deleted without the finalizer is emptied all the same.

import type { Client, KubeObject, ObjectInput, ResourceType } from '../api/index.ts';
import { DEPLOYMENTS, EVENTS, JOBS, NAMESPACES, REPLICA_SETS, RESOURCE_TYPES, isApiError } from '../api/index.ts';
import type { ReconcileResult, Reconciler } from '../runtime/index.ts';

export const NAMESPACE_FINALIZER = 'kubernetes';
/** While objects remain (e.g. pods a node agent is still stopping), look again this often. */
const TERMINATING_RECHECK_MS = 1000;

type NamespaceObject = KubeObject<{ finalizers?: string[] }, { phase?: 'Active' | 'Terminating'; conditions?: unknown[] }>;

export interface NamespaceReconcilerOptions {
  client: Client;
  /** Types whose objects are deleted with the namespace; a function when kinds come and go (CRDs). Default: every namespaced type. */
  types?: readonly ResourceType[] | (() => readonly ResourceType[]);
}

export function createNamespaceReconciler(options: NamespaceReconcilerOptions): Reconciler {
  const { client } = options;
  // Workload controllers go first so they do not recreate pods meanwhile; Events go last:
  // deleting the other objects may still record some.
  const typesOption = options.types ?? RESOURCE_TYPES;
  const typesInOrder = (): ResourceType[] => {
    const all = (typeof typesOption === 'function' ? typesOption() : typesOption).filter((t) => t.namespaced && t !== EVENTS);
    const workloads = all.filter((t) => t === DEPLOYMENTS || t === REPLICA_SETS || t === JOBS);
    return [...workloads, ...all.filter((t) => !workloads.includes(t)), EVENTS];
  };

  /** Deletes what is left in the namespace; returns how many objects still exist. */
  async function deleteContents(namespace: string): Promise<number> {
    let remaining = 0;
    for (const type of typesInOrder()) {
      const items = (await client.list(type, { namespace })).items;
      for (const obj of items) {
        if (obj.metadata.deletionTimestamp) {
          remaining += 1;
          continue;
        }
        try {
          const result = await client.delete(type, namespace, obj.metadata.name, { propagationPolicy: 'Background' });
          // A marked object (finalizers, graceful pod) is still there.
          if (result.metadata.deletionTimestamp) remaining += 1;
        } catch (err) {
          if (!isApiError(err, 'NotFound')) throw err;
        }
      }
    }
    return remaining;
  }

  return {
    name: 'namespace',
    async reconcile(name): Promise<ReconcileResult | void> {
      const ns = await client.get<NamespaceObject>(NAMESPACES, undefined, name);
      if (!ns) {
        const remaining = await deleteContents(name);
        return remaining > 0 ? { requeueAfterMs: TERMINATING_RECHECK_MS } : undefined;
      }
      if (!ns.metadata.deletionTimestamp) {
        if (ns.status?.phase !== 'Active') await client.updateStatus(NAMESPACES, { ...ns, status: { ...(ns.status ?? {}), phase: 'Active' } } as ObjectInput);
        return;
      }
      if (ns.status?.phase !== 'Terminating') {
        await client.updateStatus(NAMESPACES, { ...ns, status: { ...(ns.status ?? {}), phase: 'Terminating' } } as ObjectInput);
      }
      const remaining = await deleteContents(name);
      if (remaining > 0) return { requeueAfterMs: TERMINATING_RECHECK_MS };
      const fresh = await client.get<NamespaceObject>(NAMESPACES, undefined, name);
      if (!fresh) return;
      try {
        await client.update(NAMESPACES, {
          ...fresh,
          metadata: { ...fresh.metadata, finalizers: (fresh.metadata.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER) },
          spec: { ...(fresh.spec ?? {}), finalizers: (fresh.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER) },
        } as ObjectInput);
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    },
  };
}
