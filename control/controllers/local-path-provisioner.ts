// The built-in local-path provisioner, answering to `rancher.io/local-path`
// as kind's default class does. For a claim the PV controller handed to it
// (volume.kubernetes.io/storage-provisioner) it makes one directory, on the
// node the scheduler selected (volume.kubernetes.io/selected-node), named as
// rancher's provisioner names them (`<pv>_<namespace>_<claim>`), and creates
// the PersistentVolume: `pvc-<claim uid>`, hostPath = that directory,
// nodeAffinity to the node, pre-bound to the claim through claimRef, the
// class's reclaim policy. The PV controller then binds the two.
//
// Like rancher's, it cannot provision without a node ("configuration error,
// no node was specified"), so its classes use WaitForFirstConsumer. When a
// volume it provisioned is Released under the Delete policy it removes the
// directory, then the object; a Retain volume keeps both.
//
// All nodes of `meshlet up` share this host, so the directories live under one
// root: `<root>/<node>/<pv>_<namespace>_<claim>`.

import { mkdir, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Client, Clock, PersistentVolume, PersistentVolumeClaim, PersistentVolumeSpec, StorageClass } from '../api/index.ts';
import {
  ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, LOCAL_PATH_PROVISIONER, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, STORAGE_CLASSES,
  isApiError, systemClock,
} from '../api/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../runtime/index.ts';
import { splitKey } from './keys.ts';
import { claimRefOf } from './persistent-volume-bind.ts';

export const MSG_NO_NODE = 'configuration error, no node was specified';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
/** The annotation rancher's provisioner leaves on its volumes naming their node. */
export const ANN_LOCAL_PATH_NODE = 'local.path.provisioner/selected-node';

export interface LocalPathProvisionerOptions {
  client: Client;
  /** Directory under which each node's volumes are made. */
  root: string;
  clock?: Clock;
  recorder?: EventRecorder;
  /** The provisioner name classes refer to; default rancher.io/local-path. */
  provisionerName?: string;
}

/** `pvc-<uid>`, as external provisioners name the volumes they create. */
export function provisionedVolumeName(claim: PersistentVolumeClaim): string {
  return `pvc-${claim.metadata.uid}`;
}

export function localPathDirectory(root: string, node: string, volumeName: string, claim: { namespace: string; name: string }): string {
  return join(root, node, `${volumeName}_${claim.namespace}_${claim.name}`);
}

/** True when `path` lies strictly inside `root`: the provisioner never removes anything else. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && !rel.includes(`..${sep}`);
}

export interface LocalPathProvisioner {
  /** Keyed `namespace/name`: provisions for a claim handed to this provisioner. */
  readonly claims: Reconciler;
  /** Keyed by volume name: deletes a Released volume it provisioned under the Delete policy. */
  readonly volumes: Reconciler;
}

export function createLocalPathProvisioner(options: LocalPathProvisionerOptions): LocalPathProvisioner {
  const { client, root } = options;
  const clock = options.clock ?? systemClock;
  const name = options.provisionerName ?? LOCAL_PATH_PROVISIONER;
  const recorder = options.recorder ?? createEventRecorder(client, `${name}_meshlet`, undefined, clock);

  const claims: Reconciler = {
    name: 'local-path-provisioner',
    async reconcile(key): Promise<ReconcileResult | void> {
      const { namespace, name: claimName } = splitKey(key);
      const claim = await client.get<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, namespace, claimName);
      if (!claim || claim.metadata.deletionTimestamp || claim.spec?.volumeName) return;
      if (claim.metadata.annotations?.[ANN_STORAGE_PROVISIONER] !== name) return;
      const className = claim.spec?.storageClassName ?? '';
      const storageClass = className ? await client.get<StorageClass>(STORAGE_CLASSES, undefined, className) : undefined;
      if (storageClass?.provisioner !== name) return;
      const volumeName = provisionedVolumeName(claim);
      if (await client.get(PERSISTENT_VOLUMES, undefined, volumeName)) return;
      const node = claim.metadata.annotations?.[ANN_SELECTED_NODE];
      if (!node) {
        recorder.record(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${className}": ${MSG_NO_NODE}`);
        return;
      }
      recorder.record(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claim.metadata.namespace}/${claim.metadata.name}"`);
      const path = localPathDirectory(root, node, volumeName, { namespace: claim.metadata.namespace ?? 'default', name: claim.metadata.name });
      // World-writable as rancher's: the container may run as any user.
      await mkdir(path, { recursive: true, mode: 0o777 });
      const spec: PersistentVolumeSpec = {
        capacity: { storage: claim.spec?.resources?.requests?.['storage'] ?? '0' },
        accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
        storageClassName: className,
        volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
        claimRef: claimRefOf(claim),
        hostPath: { path, type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [node] }] }] } },
        ...(storageClass.mountOptions ? { mountOptions: storageClass.mountOptions } : {}),
      };
      const metadata = { name: volumeName, annotations: { [ANN_PROVISIONED_BY]: name, [ANN_LOCAL_PATH_NODE]: node } };
      try {
        await client.create(PERSISTENT_VOLUMES, { apiVersion: 'v1', kind: 'PersistentVolume', metadata, spec });
      } catch (err) {
        if (!isApiError(err, 'AlreadyExists')) throw err;
        return;
      }
      recorder.record(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${volumeName}`);
    },
  };

  const volumes: Reconciler = {
    name: 'local-path-deleter',
    async reconcile(volumeName): Promise<ReconcileResult | void> {
      const pv = await client.get<PersistentVolume>(PERSISTENT_VOLUMES, undefined, volumeName);
      if (!pv || pv.metadata.annotations?.[ANN_PROVISIONED_BY] !== name) return;
      if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
      const path = pv.spec.hostPath?.path;
      if (path && isInside(root, path)) await rm(path, { recursive: true, force: true });
      try {
        await client.delete(PERSISTENT_VOLUMES, undefined, volumeName, { resourceVersion: pv.metadata.resourceVersion });
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    },
  };

  return { claims, volumes };
}
