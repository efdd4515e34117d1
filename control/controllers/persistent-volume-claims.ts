// The claim half of kube-controller-manager's PersistentVolume controller
// (pkg/controller/volume/persistentvolume, syncClaim): binds a Pending claim
// to the best matching volume, waits for the first consumer under
// WaitForFirstConsumer (the scheduler's VolumeBinding sets
// volume.kubernetes.io/selected-node), hands the claim to its class's
// provisioner when nothing matches, finishes binds the user pre-arranged
// (spec.volumeName or a volume's claimRef), and marks a bound claim Lost when
// its volume is gone. Events carry the controller's reasons and messages.

import type { Client, Clock, PersistentVolume, PersistentVolumeClaim, StorageClass } from '../api/index.ts';
import {
  ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS,
  STORAGE_CLASSES, findBestMatch, isPreBoundTo, pickDefaultStorageClass, systemClock, volumeSatisfiesClaim,
} from '../api/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../runtime/index.ts';
import { splitKey } from './keys.ts';
import { bindClaimToVolume, bindVolumeToClaim, setClaimPhase } from './persistent-volume-bind.ts';

export const PV_CONTROLLER_COMPONENT = 'persistentvolume-controller';
/** Classes whose volumes only an administrator creates (local volumes, for one). */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';
/** The beta annotation a claim may still name its class with; such a claim is not given the default. */
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

export const MSG_WAIT_FOR_FIRST_CONSUMER = 'waiting for first consumer to be created before binding';
export const MSG_NO_VOLUME_NO_CLASS = 'no persistent volumes available for this claim and no storage class is set';
export const MSG_CLAIM_LOST = 'Bound claim has lost its PersistentVolume. Data on the volume is lost!';
export const MSG_CLAIM_MISBOUND = 'Two claims are bound to the same volume, this one is bound incorrectly';

export function externalProvisioningMessage(provisioner: string): string {
  return `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`;
}

export interface ClaimBinderOptions {
  client: Client;
  clock?: Clock;
  recorder?: EventRecorder;
}

export function createPersistentVolumeClaimBinder(options: ClaimBinderOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const recorder = options.recorder ?? createEventRecorder(client, PV_CONTROLLER_COMPONENT, undefined, clock);

  async function syncUnboundClaim(given: PersistentVolumeClaim): Promise<void> {
    const claim = await assignDefaultClass(given);
    const className = claim.spec?.storageClassName ?? '';
    const storageClass = className ? await client.get<StorageClass>(STORAGE_CLASSES, undefined, className) : undefined;
    const volumes = (await client.list<PersistentVolume>(PERSISTENT_VOLUMES)).items;
    const delayed = storageClass?.volumeBindingMode === 'WaitForFirstConsumer';
    const selectedNode = claim.metadata.annotations?.[ANN_SELECTED_NODE];

    // Under WaitForFirstConsumer only volumes pre-bound to the claim are taken here (by the user, by the
    // scheduler's PreBind, or by a provisioner); the scheduler chooses static volumes for the node it picks.
    const match = delayed ? findBestMatch(claim, volumes.filter((pv) => isPreBoundTo(pv, claim))) : findBestMatch(claim, volumes);
    if (delayed && !match && !selectedNode) {
      recorder.record(claim, 'Normal', 'WaitForFirstConsumer', MSG_WAIT_FOR_FIRST_CONSUMER);
      await setClaimPhase(client, claim, 'Pending');
      return;
    }
    if (match) {
      const bound = await bindVolumeToClaim(client, clock, match, claim);
      await bindClaimToVolume(client, claim, bound);
      return;
    }
    if (!className) {
      recorder.record(claim, 'Normal', 'FailedBinding', MSG_NO_VOLUME_NO_CLASS);
    } else if (!storageClass) {
      recorder.record(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
    } else if (storageClass.provisioner !== NO_PROVISIONER) {
      await handToProvisioner(claim, storageClass.provisioner);
      return;
    }
    await setClaimPhase(client, claim, 'Pending');
  }

  /**
   * Retroactive default class assignment (Kubernetes 1.28+): a claim created while no default
   * class existed (storageClassName absent, not "") gets the default once there is one.
   */
  async function assignDefaultClass(claim: PersistentVolumeClaim): Promise<PersistentVolumeClaim> {
    if (!claim.spec || claim.spec.storageClassName !== undefined || claim.metadata.annotations?.[BETA_CLASS_ANNOTATION] !== undefined) return claim;
    const storageClass = pickDefaultStorageClass((await client.list<StorageClass>(STORAGE_CLASSES)).items);
    if (!storageClass) return claim;
    return client.update<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, { ...claim, spec: { ...claim.spec, storageClassName: storageClass.metadata.name } });
  }

  async function handToProvisioner(claim: PersistentVolumeClaim, provisioner: string): Promise<void> {
    const annotations = claim.metadata.annotations ?? {};
    let current = claim;
    if (annotations[ANN_STORAGE_PROVISIONER] !== provisioner) {
      current = await client.update<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, {
        ...claim,
        metadata: { ...claim.metadata, annotations: { ...annotations, [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner } },
      });
    }
    recorder.record(current, 'Normal', 'ExternalProvisioning', externalProvisioningMessage(provisioner));
    await setClaimPhase(client, current, 'Pending');
  }

  /** spec.volumeName is set but the bind is not complete: the user asked for that volume. */
  async function syncPreBoundClaim(claim: PersistentVolumeClaim, volumeName: string): Promise<void> {
    const pv = await client.get<PersistentVolume>(PERSISTENT_VOLUMES, undefined, volumeName);
    if (!pv) {
      await setClaimPhase(client, claim, 'Pending');
      return;
    }
    const ref = pv.spec?.claimRef;
    if (ref?.name && !isPreBoundTo(pv, claim)) {
      recorder.record(claim, 'Warning', 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`);
      await setClaimPhase(client, claim, 'Pending');
      return;
    }
    if (!ref?.name && !volumeSatisfiesClaim(pv, claim)) {
      recorder.record(claim, 'Warning', 'FailedBinding', `Cannot bind to requested volume "${volumeName}": requested PV is too small or does not match the claim`);
      await setClaimPhase(client, claim, 'Pending');
      return;
    }
    const bound = await bindVolumeToClaim(client, clock, pv, claim);
    await bindClaimToVolume(client, claim, bound);
  }

  async function syncBoundClaim(claim: PersistentVolumeClaim, volumeName: string): Promise<void> {
    const pv = await client.get<PersistentVolume>(PERSISTENT_VOLUMES, undefined, volumeName);
    if (!pv) {
      if (claim.status?.phase !== 'Lost') recorder.record(claim, 'Warning', 'ClaimLost', MSG_CLAIM_LOST);
      await setClaimPhase(client, claim, 'Lost');
      return;
    }
    const ref = pv.spec?.claimRef;
    if (ref?.name && ref.uid !== claim.metadata.uid) {
      if (claim.status?.phase !== 'Lost') recorder.record(claim, 'Warning', 'ClaimMisbound', MSG_CLAIM_MISBOUND);
      await setClaimPhase(client, claim, 'Lost');
      return;
    }
    // The volume lost its claimRef (or never got one, after a crash mid-bind): point it back.
    const bound = await bindVolumeToClaim(client, clock, pv, claim);
    await setClaimPhase(client, claim, 'Bound', bound);
  }

  return {
    name: 'persistentvolume-claims',
    async reconcile(key): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const claim = await client.get<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, namespace, name);
      if (!claim || claim.metadata.deletionTimestamp) return;
      const volumeName = claim.spec?.volumeName;
      if (claim.metadata.annotations?.[ANN_BIND_COMPLETED] && volumeName) return syncBoundClaim(claim, volumeName);
      if (volumeName) return syncPreBoundClaim(claim, volumeName);
      return syncUnboundClaim(claim);
    },
  };
}
