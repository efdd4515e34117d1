// The volume half of the PersistentVolume controller (syncVolume): a volume
// without a claim is Available; one whose claim exists and points back is
// Bound; one whose claim is gone (or was recreated with another uid) is
// Released and then reclaimed by its policy. Retain keeps it Released with
// its data until an administrator acts. Delete of a dynamically provisioned
// volume is its provisioner's job (the local-path provisioner removes the
// directory and the object); Delete or Recycle of a hand-made volume has no
// plugin here, so the volume turns Failed, as it does in Kubernetes for
// volume types without a deleter.

import type { Client, Clock, PersistentVolume, PersistentVolumeClaim } from '../api/index.ts';
import { ANN_BOUND_BY_CONTROLLER, ANN_PROVISIONED_BY, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, systemClock } from '../api/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../runtime/index.ts';
import { setVolumePhase } from './persistent-volume-bind.ts';
import { PV_CONTROLLER_COMPONENT } from './persistent-volume-claims.ts';

export function noDeleterMessage(volumeName: string): string {
  return `error getting deleter volume plugin for volume "${volumeName}": no deletable volume plugin matched`;
}
export const MSG_NO_RECYCLER = 'No recycler plugin found for the volume!';

export interface VolumeReconcilerOptions {
  client: Client;
  clock?: Clock;
  recorder?: EventRecorder;
}

export function createPersistentVolumeReconciler(options: VolumeReconcilerOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const recorder = options.recorder ?? createEventRecorder(client, PV_CONTROLLER_COMPONENT, undefined, clock);

  async function unbind(pv: PersistentVolume): Promise<void> {
    const annotations = { ...(pv.metadata.annotations ?? {}) };
    delete annotations[ANN_BOUND_BY_CONTROLLER];
    const spec = { ...pv.spec };
    delete spec.claimRef;
    const updated = await client.update<PersistentVolume>(PERSISTENT_VOLUMES, { ...pv, metadata: { ...pv.metadata, annotations }, spec });
    await setVolumePhase(client, clock, updated, 'Available');
  }

  async function reclaim(pv: PersistentVolume): Promise<void> {
    const released = pv.status?.phase === 'Failed' ? pv : await setVolumePhase(client, clock, pv, 'Released');
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain' || released.status?.phase === 'Failed') return;
    // A provisioned volume is deleted by whoever provisioned it.
    if (policy === 'Delete' && pv.metadata.annotations?.[ANN_PROVISIONED_BY]) return;
    const message = policy === 'Delete' ? noDeleterMessage(pv.metadata.name) : MSG_NO_RECYCLER;
    recorder.record(released, 'Warning', policy === 'Delete' ? 'VolumeFailedDelete' : 'VolumeFailedRecycle', message);
    await setVolumePhase(client, clock, released, 'Failed', message);
  }

  return {
    name: 'persistentvolume',
    async reconcile(name): Promise<ReconcileResult | void> {
      const pv = await client.get<PersistentVolume>(PERSISTENT_VOLUMES, undefined, name);
      if (!pv || pv.metadata.deletionTimestamp) return;
      const ref = pv.spec?.claimRef;
      if (!ref?.name) {
        await setVolumePhase(client, clock, pv, 'Available');
        return;
      }
      // Pre-bound by the user to a claim that has not been synced yet: the claim binds it.
      if (!ref.uid) {
        await setVolumePhase(client, clock, pv, 'Available');
        return;
      }
      const claim = await client.get<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, ref.namespace ?? 'default', ref.name);
      if (!claim || claim.metadata.uid !== ref.uid) {
        await reclaim(pv);
        return;
      }
      const volumeName = claim.spec?.volumeName;
      if (!volumeName || volumeName === pv.metadata.name) {
        // Bound, or the claim half of the bind is still to come.
        await setVolumePhase(client, clock, pv, 'Bound');
        return;
      }
      // The claim went to another volume: a bind this controller made is undone; a user's pre-binding stays.
      if (pv.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER]) await unbind(pv);
      else await setVolumePhase(client, clock, pv, 'Available');
    },
  };
}
