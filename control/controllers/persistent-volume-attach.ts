// The attach/detach controller, for meshlet's volumes. Attach state lives in
// storage.k8s.io/v1 VolumeAttachment objects, one per (volume, node), named as
// Kubernetes names CSI attachments (`csi-<sha256>`), with status.attached; the
// node agent starts a pod's containers only once every volume it uses is
// attached to its node (control/agent/volume-attach-gate.ts).
//
// Desired state: each scheduled, unfinished pod that uses a bound claim wants
// the claim's volume on its node. A volume that allows only one node
// (ReadWriteOnce or ReadWriteOncePod among its access modes, as
// IsMultiAttachAllowed decides) stays on the node it is attached to while any
// pod there uses it; a pod elsewhere gets kube-controller-manager's Warning
// FailedAttachVolume "Multi-Attach error for volume …" and waits; once the
// first node's pods are gone the attachment is deleted and the volume moves
// to the oldest waiting pod's node. Other volumes attach to every node that
// wants them.

import { createHash } from 'node:crypto';
import type { Client, Clock, PersistentVolume, Pod, PodSpec, PodVolume, VolumeAttachment } from '../api/index.ts';
import { PERSISTENT_VOLUMES, PODS, VOLUME_ATTACHMENTS, isApiError, podClaimNames, systemClock } from '../api/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../runtime/index.ts';

export const ATTACH_DETACH_COMPONENT = 'attachdetach-controller';
/** The attacher named in meshlet's VolumeAttachments. */
export const MESHLET_ATTACHER = 'meshlet.dev/local-attacher';

export function volumeAttachmentName(volumeName: string, nodeName: string, attacher = MESHLET_ATTACHER): string {
  return `csi-${createHash('sha256').update(`${volumeName}${attacher}${nodeName}`).digest('hex')}`;
}

/** IsMultiAttachAllowed: no access modes, or none of them single-node. */
export function isMultiAttachAllowed(pv: PersistentVolume): boolean {
  const modes = pv.spec?.accessModes ?? [];
  return !modes.some((m) => m === 'ReadWriteOnce' || m === 'ReadWriteOncePod');
}

export function podUsesClaim(pod: Pod, namespace: string, claimName: string): boolean {
  return pod.metadata.namespace === namespace && podClaimNames(pod.spec as (PodSpec & { volumes?: PodVolume[] }) | undefined).includes(claimName);
}

function wantsVolume(pod: Pod): boolean {
  return Boolean(pod.spec?.nodeName) && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

/** reportMultiAttachError's wording: pods of the same namespace by name, others counted. */
export function multiAttachMessage(volumeName: string, waiting: Pod, holders: readonly Pod[]): string {
  const same = holders.filter((p) => p.metadata.namespace === waiting.metadata.namespace).map((p) => p.metadata.name);
  const others = holders.length - same.length;
  let detail: string;
  if (holders.length === 0) detail = "Volume is already exclusively attached to one node and can't be attached to another";
  else if (same.length === 0) detail = `Volume is already used by ${others} pod(s) in different namespaces`;
  else detail = `Volume is already used by pod(s) ${same.join(', ')}${others > 0 ? ` and ${others} pod(s) in different namespaces` : ''}`;
  return `Multi-Attach error for volume "${volumeName}" ${detail}`;
}

export interface AttachDetachOptions {
  client: Client;
  clock?: Clock;
  recorder?: EventRecorder;
}

/** Keyed by volume name. */
export function createAttachDetachReconciler(options: AttachDetachOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const recorder = options.recorder ?? createEventRecorder(client, ATTACH_DETACH_COMPONENT, undefined, clock);

  async function attach(volumeName: string, nodeName: string): Promise<void> {
    const name = volumeAttachmentName(volumeName, nodeName);
    let va: VolumeAttachment;
    try {
      va = await client.create<VolumeAttachment>(VOLUME_ATTACHMENTS, {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'VolumeAttachment',
        metadata: { name },
        spec: { attacher: MESHLET_ATTACHER, nodeName, source: { persistentVolumeName: volumeName } },
      });
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      const existing = await client.get<VolumeAttachment>(VOLUME_ATTACHMENTS, undefined, name);
      if (!existing) return;
      va = existing;
    }
    // A directory on this host needs no real attach step: the attachment is complete at once.
    if (va.status?.attached !== true) await client.updateStatus(VOLUME_ATTACHMENTS, { ...va, status: { attached: true } });
  }

  async function detach(va: VolumeAttachment): Promise<void> {
    try {
      await client.delete(VOLUME_ATTACHMENTS, undefined, va.metadata.name);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  return {
    name: 'attachdetach',
    async reconcile(volumeName): Promise<ReconcileResult | void> {
      const attachments = (await client.list<VolumeAttachment>(VOLUME_ATTACHMENTS)).items.filter((va) => va.spec?.source.persistentVolumeName === volumeName);
      const pv = await client.get<PersistentVolume>(PERSISTENT_VOLUMES, undefined, volumeName);
      const ref = pv?.spec?.claimRef;
      const users = pv && ref?.name && ref.uid && pv.status?.phase === 'Bound'
        ? (await client.list<Pod>(PODS, { namespace: ref.namespace ?? 'default' })).items.filter((p) => wantsVolume(p) && podUsesClaim(p, ref.namespace ?? 'default', ref.name!))
        : [];
      users.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name));
      const wanted = [...new Set(users.map((p) => p.spec!.nodeName!))];

      const kept: VolumeAttachment[] = [];
      for (const va of attachments) {
        if (va.spec && wanted.includes(va.spec.nodeName)) kept.push(va);
        else await detach(va);
      }
      if (!pv || wanted.length === 0) return;
      if (isMultiAttachAllowed(pv)) {
        for (const node of wanted) await attach(volumeName, node);
        return;
      }
      const holder = kept[0]?.spec?.nodeName ?? wanted[0]!;
      await attach(volumeName, holder);
      const holders = users.filter((p) => p.spec?.nodeName === holder);
      for (const pod of users) {
        if (pod.spec?.nodeName !== holder) recorder.record(pod, 'Warning', 'FailedAttachVolume', multiAttachMessage(volumeName, pod, holders));
      }
    },
  };
}
