// Wires the storage controllers to the shared informers: the PV controller's
// claim and volume halves, the attach/detach controller, PVC protection and,
// when a root directory is given, the local-path provisioner. Handlers only
// map a change to the keys it concerns.

import type { Client, Clock, KubeObject, PersistentVolume, PersistentVolumeClaim, Pod, PodSpec, PodVolume, ResourceType, StorageClass, VolumeAttachment } from '../api/index.ts';
import {
  PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, PODS, STORAGE_CLASSES, VOLUME_ATTACHMENTS, objectKeyOf, podClaimNames,
} from '../api/index.ts';
import { Controller } from '../runtime/index.ts';
import type { InformerSet, Reconciler } from '../runtime/index.ts';
import { joinKey } from './keys.ts';
import { createLocalPathProvisioner } from './local-path-provisioner.ts';
import { createAttachDetachReconciler } from './persistent-volume-attach.ts';
import { createPersistentVolumeClaimBinder } from './persistent-volume-claims.ts';
import { createPvProtectionReconciler, createPvcProtectionReconciler } from './persistent-volume-protection.ts';
import { createPersistentVolumeReconciler } from './persistent-volume.ts';

export interface StorageControllersOptions {
  client: Client;
  informers: InformerSet;
  clock?: Clock;
  onError?: (name: string, key: string, err: unknown) => void;
  /** Where the local-path provisioner makes volume directories; absent → no provisioner runs. */
  localPathRoot?: string;
}

function claimsOfPod(pod: Pod): string[] {
  return podClaimNames(pod.spec as (PodSpec & { volumes?: PodVolume[] }) | undefined);
}

/** Creates the storage controllers (not started) with their event wiring. */
export function createStorageControllers(options: StorageControllersOptions): Controller[] {
  const { client, informers, clock } = options;
  const make = (reconciler: Reconciler, workers = 1) =>
    new Controller(reconciler, { workers, ...(clock ? { clock } : {}), ...(options.onError ? { onError: options.onError } : {}) });
  const claimBinder = make(createPersistentVolumeClaimBinder({ client, clock }));
  const volumes = make(createPersistentVolumeReconciler({ client, clock }));
  const attach = make(createAttachDetachReconciler({ client, clock }));
  const protection = make(createPvcProtectionReconciler({ client }));
  const pvProtection = make(createPvProtectionReconciler({ client }));
  const provisioner = options.localPathRoot ? createLocalPathProvisioner({ client, clock, root: options.localPathRoot }) : undefined;
  const provisionClaims = provisioner ? make(provisioner.claims) : undefined;
  const deleteVolumes = provisioner ? make(provisioner.volumes) : undefined;

  const claimInformer = informers.for<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS);
  const on = <T extends KubeObject>(type: ResourceType, handler: (obj: T, deleted: boolean) => void) =>
    informers.for<T>(type).addHandlers({ onAdd: (o) => handler(o, false), onUpdate: (_old, o) => handler(o, false), onDelete: (o) => handler(o, true) });

  on<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, (claim) => {
    const key = objectKeyOf(claim);
    claimBinder.enqueue(key);
    provisionClaims?.enqueue(key);
    protection.enqueue(key);
    // A claim going away releases its volume.
    if (claim.spec?.volumeName) volumes.enqueue(claim.spec.volumeName);
  });
  on<PersistentVolume>(PERSISTENT_VOLUMES, (pv) => {
    volumes.enqueue(pv.metadata.name);
    pvProtection.enqueue(pv.metadata.name);
    deleteVolumes?.enqueue(pv.metadata.name);
    attach.enqueue(pv.metadata.name);
    const ref = pv.spec?.claimRef;
    if (ref?.name) claimBinder.enqueue(joinKey(ref.namespace ?? 'default', ref.name));
  });
  on<StorageClass>(STORAGE_CLASSES, (sc) => {
    for (const claim of claimInformer.list()) if (!claim.spec?.volumeName && claim.spec?.storageClassName === sc.metadata.name) claimBinder.enqueue(objectKeyOf(claim));
  });
  on<Pod>(PODS, (pod) => {
    for (const name of claimsOfPod(pod)) {
      const key = joinKey(pod.metadata.namespace, name);
      protection.enqueue(key);
      const volumeName = claimInformer.get(pod.metadata.namespace, name)?.spec?.volumeName;
      if (volumeName) attach.enqueue(volumeName);
    }
  });
  on<VolumeAttachment>(VOLUME_ATTACHMENTS, (va) => {
    const pv = va.spec?.source.persistentVolumeName;
    if (pv) attach.enqueue(pv);
  });

  return [claimBinder, volumes, attach, protection, pvProtection, ...(provisionClaims ? [provisionClaims] : []), ...(deleteVolumes ? [deleteVolumes] : [])];
}
