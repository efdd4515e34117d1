// The two writes of a bind, in the PV controller's order: the volume first
// (claimRef, bound-by-controller, phase Bound), then the claim (volumeName,
// bind-completed, phase Bound with the volume's access modes and capacity).
// A crash between them leaves a volume whose claimRef names a claim that has
// no volumeName yet: the next claim sync finds the volume pre-bound to it and
// finishes. Every write is compare-and-swapped on what was read.

import type { Client, Clock, PersistentVolume, PersistentVolumeClaim, PersistentVolumePhase, PersistentVolumeClaimPhase } from '../api/index.ts';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS } from '../api/index.ts';

export function claimRefOf(claim: PersistentVolumeClaim): NonNullable<NonNullable<PersistentVolume['spec']>['claimRef']> {
  return {
    kind: 'PersistentVolumeClaim',
    apiVersion: 'v1',
    namespace: claim.metadata.namespace,
    name: claim.metadata.name,
    uid: claim.metadata.uid,
    resourceVersion: claim.metadata.resourceVersion,
  };
}

/** Writes the volume's phase (and the transition time) when it differs. */
export async function setVolumePhase(client: Client, clock: Clock, pv: PersistentVolume, phase: PersistentVolumePhase, message?: string): Promise<PersistentVolume> {
  if (pv.status?.phase === phase && (pv.status.message ?? undefined) === message) return pv;
  const status = { ...(pv.status ?? {}), phase, lastPhaseTransitionTime: pv.status?.phase === phase ? pv.status.lastPhaseTransitionTime : new Date(clock.now()).toISOString() };
  if (message === undefined) delete status.message;
  else status.message = message;
  return client.updateStatus<PersistentVolume>(PERSISTENT_VOLUMES, { ...pv, status });
}

export async function setClaimPhase(client: Client, claim: PersistentVolumeClaim, phase: PersistentVolumeClaimPhase, volume?: PersistentVolume): Promise<PersistentVolumeClaim> {
  const status: NonNullable<PersistentVolumeClaim['status']> = { ...(claim.status ?? {}), phase };
  if (volume) {
    status.accessModes = volume.spec?.accessModes ?? [];
    status.capacity = volume.spec?.capacity ?? {};
  }
  if (JSON.stringify(status) === JSON.stringify(claim.status ?? {})) return claim;
  return client.updateStatus<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, { ...claim, status });
}

/** Points the volume at the claim and marks it Bound. */
export async function bindVolumeToClaim(client: Client, clock: Clock, pv: PersistentVolume, claim: PersistentVolumeClaim): Promise<PersistentVolume> {
  let volume = pv;
  const ref = pv.spec?.claimRef;
  if (ref?.uid !== claim.metadata.uid || ref.name !== claim.metadata.name) {
    const annotations = { ...(pv.metadata.annotations ?? {}) };
    // A volume the user pre-bound keeps no bound-by-controller mark, so it is never unbound by the controller.
    if (!ref?.name) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
    volume = await client.update<PersistentVolume>(PERSISTENT_VOLUMES, { ...pv, metadata: { ...pv.metadata, annotations }, spec: { ...pv.spec, claimRef: claimRefOf(claim) } });
  }
  return setVolumePhase(client, clock, volume, 'Bound');
}

/** Points the claim at the volume, marks the bind complete and the claim Bound. */
export async function bindClaimToVolume(client: Client, claim: PersistentVolumeClaim, pv: PersistentVolume): Promise<PersistentVolumeClaim> {
  let current = claim;
  const annotations = claim.metadata.annotations ?? {};
  if (claim.spec?.volumeName !== pv.metadata.name || annotations[ANN_BIND_COMPLETED] !== 'yes') {
    const next: Record<string, string> = { ...annotations, [ANN_BIND_COMPLETED]: 'yes' };
    if (claim.spec?.volumeName !== pv.metadata.name) next[ANN_BOUND_BY_CONTROLLER] = 'yes';
    current = await client.update<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, {
      ...claim,
      metadata: { ...claim.metadata, annotations: next },
      spec: { ...claim.spec, volumeName: pv.metadata.name },
    });
  }
  return setClaimPhase(client, current, 'Bound', pv);
}
