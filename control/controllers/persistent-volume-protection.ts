// Storage object in-use protection (kube-controller-manager's pvc-protection
// and pv-protection controllers). The API server puts the
// kubernetes.io/pvc-protection finalizer on every new claim and
// kubernetes.io/pv-protection on every new volume; these reconcilers take it
// off a claim being deleted once no scheduled, unfinished pod uses it, and off
// a volume being deleted once it is no longer Bound. Until then the object
// stays, Terminating, so a running pod never loses its data underneath.

import type { Client, PersistentVolume, PersistentVolumeClaim, Pod } from '../api/index.ts';
import { PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, PODS, PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER } from '../api/index.ts';
import type { ReconcileResult, Reconciler } from '../runtime/index.ts';
import { splitKey } from './keys.ts';
import { podUsesClaim } from './persistent-volume-attach.ts';

function isTerminated(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Keyed `namespace/name` of the claim. */
export function createPvcProtectionReconciler(options: { client: Client }): Reconciler {
  const { client } = options;
  return {
    name: 'pvc-protection',
    async reconcile(key): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const claim = await client.get<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, namespace, name);
      if (!claim?.metadata.deletionTimestamp || !(claim.metadata.finalizers ?? []).includes(PVC_PROTECTION_FINALIZER)) return;
      const pods = (await client.list<Pod>(PODS, { namespace: claim.metadata.namespace })).items;
      // kubelet only sees scheduled pods, and it will not start one whose claim is being deleted.
      if (pods.some((p) => Boolean(p.spec?.nodeName) && !isTerminated(p) && podUsesClaim(p, claim.metadata.namespace ?? 'default', name))) return;
      await client.update(PERSISTENT_VOLUME_CLAIMS, { ...claim, metadata: { ...claim.metadata, finalizers: (claim.metadata.finalizers ?? []).filter((f) => f !== PVC_PROTECTION_FINALIZER) } });
    },
  };
}

/** Keyed by volume name. */
export function createPvProtectionReconciler(options: { client: Client }): Reconciler {
  const { client } = options;
  return {
    name: 'pv-protection',
    async reconcile(name): Promise<ReconcileResult | void> {
      const pv = await client.get<PersistentVolume>(PERSISTENT_VOLUMES, undefined, name);
      if (!pv?.metadata.deletionTimestamp || !(pv.metadata.finalizers ?? []).includes(PV_PROTECTION_FINALIZER)) return;
      if (pv.status?.phase === 'Bound') return;
      await client.update(PERSISTENT_VOLUMES, { ...pv, metadata: { ...pv.metadata, finalizers: (pv.metadata.finalizers ?? []).filter((f) => f !== PV_PROTECTION_FINALIZER) } });
    },
  };
}
