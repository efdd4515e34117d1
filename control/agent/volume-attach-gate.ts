// The kubelet's WaitForAttachAndMount, for claims: a pod's containers start
// only once the volume of every Bound claim its volumes name is attached to
// this node (a VolumeAttachment with status.attached, written by
// the attach/detach controller). Until then the pod stays Pending with its
// containers waiting in ContainerCreating, as kubectl shows it. Where the
// bound volume's directory is mounted into the containers is the runtime's
// business; this gate only says when.

import type { Client, ContainerStatus, PersistentVolumeClaim, Pod, PodSpec, PodStatus, PodVolume, VolumeAttachment } from '../api/index.ts';
import { PERSISTENT_VOLUME_CLAIMS, VOLUME_ATTACHMENTS } from '../api/index.ts';

/** How often a waiting pod is looked at again. */
export const VOLUME_WAIT_RECHECK_MS = 1000;

/** The names of the pod's volumes that are not ready on this node (empty: start the pod). */
export async function volumesNotReady(client: Client, pod: Pod, nodeName: string): Promise<string[]> {
  const volumes = ((pod.spec as (PodSpec & { volumes?: PodVolume[] }) | undefined)?.volumes ?? []).filter((v) => v.persistentVolumeClaim?.claimName);
  if (volumes.length === 0) return [];
  const attached = new Set(
    (await client.list<VolumeAttachment>(VOLUME_ATTACHMENTS)).items
      .filter((va) => va.spec?.nodeName === nodeName && va.status?.attached === true)
      .map((va) => va.spec?.source.persistentVolumeName),
  );
  const waiting: string[] = [];
  for (const v of volumes) {
    const claim = await client.get<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS, pod.metadata.namespace, v.persistentVolumeClaim!.claimName);
    // A missing or unbound claim is the mount's to report (FailedMount "PVC is not bound"); a claim
    // being deleted is never started on; a bound one waits for its attachment.
    if (!claim || claim.status?.phase !== 'Bound' || !claim.spec?.volumeName) continue;
    if (claim.metadata.deletionTimestamp || !attached.has(claim.spec.volumeName)) waiting.push(v.name);
  }
  return waiting;
}

/** Pending, every container waiting in ContainerCreating. */
export function waitingForVolumesStatus(pod: Pod, hostIp: string, now: string): PodStatus {
  const containerStatuses: (ContainerStatus & { imageID: string })[] = (pod.spec?.containers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    ready: false,
    restartCount: 0,
    started: false,
    state: { waiting: { reason: 'ContainerCreating' } },
  }));
  const before = (type: string) => pod.status?.conditions?.find((c) => c.type === type);
  const condition = (type: 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready', ok: boolean) => {
    const status: 'True' | 'False' = ok ? 'True' : 'False';
    const prior = before(type);
    return { type, status, lastTransitionTime: prior?.status === status && prior.lastTransitionTime ? prior.lastTransitionTime : now, ...(ok || type === 'Initialized' ? {} : { reason: 'ContainersNotReady', message: `containers with unready status: [${containerStatuses.map((c) => c.name).join(' ')}]` }) };
  };
  return {
    phase: 'Pending',
    conditions: [condition('PodScheduled', true), condition('Initialized', true), condition('ContainersReady', false), condition('Ready', false)],
    hostIP: hostIp,
    startTime: pod.status?.startTime ?? now,
    containerStatuses,
  };
}
