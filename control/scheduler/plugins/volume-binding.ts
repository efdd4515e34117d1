// VolumeBinding and VolumeRestrictions, after kube-scheduler's plugins of
// those names, for pods whose volumes name PersistentVolumeClaims.
//
// PreFilter (unresolvable): a claim that does not exist
// (`persistentvolumeclaim "x" not found`), is being deleted, or is unbound in
// an Immediate class (the PV controller binds those first).
// Filter, per node: a bound claim's volume must allow the node (its
// nodeAffinity); an unbound WaitForFirstConsumer claim needs an available
// volume that fits the node, or a class with a provisioner; a
// ReadWriteOncePod claim is VolumeRestrictions' business (volume-restrictions.ts).
// PreBind, once the node is chosen: a matching static volume is pre-bound to
// the claim (claimRef), otherwise the claim gets
// `volume.kubernetes.io/selected-node` and its provisioner provisions there.
// Claims, volumes and classes are its registered events: a change to any of
// them sends unschedulable pods round again.
// Unlike kube-scheduler, binding the pod does not wait for the claims to be
// bound: the node agent does not start the pod until they are.

import type {
  Client, PersistentVolume, PersistentVolumeClaim, Pod, PodSpec, PodVolume, StorageClass,
} from '../../api/index.ts';
import {
  ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, STORAGE_CLASSES, findBestMatch, isApiError, podClaimNames,
  volumeFitsNode,
} from '../../api/index.ts';
import type { InformerSet } from '../../runtime/index.ts';
import type { CycleState, EnqueueExtensions, FilterPlugin, PreBindPlugin, PreFilterPlugin, Status } from '../framework.ts';
import { SKIP, SUCCESS, nodeLabels, unresolvable, unschedulable } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';

export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const ERR_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export function claimNotFound(name: string): string {
  return `persistentvolumeclaim "${name}" not found`;
}

/** Synchronous reads of the storage objects, from informers. */
export interface VolumeListers {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): readonly PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

export function volumeListersFrom(informers: InformerSet): VolumeListers {
  const claims = informers.for<PersistentVolumeClaim>(PERSISTENT_VOLUME_CLAIMS);
  const volumes = informers.for<PersistentVolume>(PERSISTENT_VOLUMES);
  const classes = informers.for<StorageClass>(STORAGE_CLASSES);
  return {
    claim: (namespace, name) => claims.get(namespace, name),
    volume: (name) => volumes.get(undefined, name),
    volumes: () => volumes.list(),
    storageClass: (name) => classes.get(undefined, name),
  };
}

export function claimNamesOf(pod: Pod): string[] {
  return podClaimNames(pod.spec as (PodSpec & { volumes?: PodVolume[] }) | undefined);
}

interface PodClaims {
  bound: PersistentVolume[];
  /** Bound claims whose volume is missing. */
  lostVolume: boolean;
  delayed: { claim: PersistentVolumeClaim; storageClass: StorageClass | undefined }[];
}

const STATE_KEY = 'VolumeBinding';

function isDelayed(claim: PersistentVolumeClaim, listers: VolumeListers): boolean {
  const name = claim.spec?.storageClassName;
  return Boolean(name) && listers.storageClass(name!)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** One plugin at three points, as kube-scheduler's VolumeBinding. */
export type VolumeBindingPlugin = PreFilterPlugin & FilterPlugin & PreBindPlugin & EnqueueExtensions;

/** The kinds whose changes may let a pod waiting on its volumes fit. */
export const STORAGE_EVENTS = [PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, STORAGE_CLASSES] as const;

export function createVolumeBinding(options: { listers: VolumeListers; client: Client }): VolumeBindingPlugin {
  const { listers, client } = options;

  const plugin: VolumeBindingPlugin = {
    name: 'VolumeBinding',
    eventsToRegister: () => STORAGE_EVENTS,

    preFilter(pod: Pod, state: CycleState): Status {
      const names = claimNamesOf(pod);
      // No claims: nothing to filter or pre-bind.
      if (names.length === 0) return SKIP;
      const ns = pod.metadata.namespace ?? 'default';
      const result: PodClaims = { bound: [], lostVolume: false, delayed: [] };
      for (const name of names) {
        const claim = listers.claim(ns, name);
        if (!claim) return unresolvable(claimNotFound(name));
        if (claim.metadata.deletionTimestamp) return unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
        const volumeName = claim.spec?.volumeName;
        if (volumeName) {
          const pv = listers.volume(volumeName);
          if (pv) result.bound.push(pv);
          else result.lostVolume = true;
        } else if (isDelayed(claim, listers)) {
          result.delayed.push({ claim, storageClass: listers.storageClass(claim.spec!.storageClassName!) });
        } else {
          return unresolvable(ERR_UNBOUND_IMMEDIATE);
        }
      }
      state.data.set(STATE_KEY, result);
      return SUCCESS;
    },

    filter(_pod: Pod, node: NodeInfo, state: CycleState): Status {
      const claims = state.data.get(STATE_KEY) as PodClaims | undefined;
      if (!claims) return SUCCESS;
      if (claims.lostVolume) return unresolvable(ERR_PV_NOT_EXIST);
      const target = { name: node.name, labels: nodeLabels(node) };
      if (claims.bound.some((pv) => !volumeFitsNode(pv, target))) return unresolvable(ERR_NODE_CONFLICT);
      const free = listers.volumes();
      for (const { claim, storageClass } of claims.delayed) {
        if (findBestMatch(claim, free, target)) continue;
        if (storageClass && storageClass.provisioner !== NO_PROVISIONER) continue;
        return unschedulable(ERR_BIND_CONFLICT);
      }
      return SUCCESS;
    },

    async preBind(pod: Pod, nodeName: string, state: CycleState): Promise<Status> {
      const claims = state.data.get(STATE_KEY) as PodClaims | undefined;
      if (!claims || claims.delayed.length === 0) return SUCCESS;
      const info = state.nodes.find((n) => n.name === nodeName);
      await selectNode(pod, { name: nodeName, labels: info ? nodeLabels(info) : {} });
      return SUCCESS;
    },
  };

  // Reads the claims afresh: the cycle's copies may be stale by the time the pod binds (Permit can hold it).
  async function selectNode(pod: Pod, node: { name: string; labels: Record<string, string> }): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    for (const name of claimNamesOf(pod)) {
      const claim = listers.claim(ns, name);
      if (!claim || claim.spec?.volumeName || !isDelayed(claim, listers)) continue;
      if (claim.metadata.annotations?.[ANN_SELECTED_NODE] === node.name) continue;
      const match = findBestMatch(claim, listers.volumes(), node);
      if (match && !match.spec?.claimRef?.name) {
        await preBindVolume(match, claim);
        continue;
      }
      if (match) continue; // pre-bound to this claim already: the PV controller finishes the bind
      await client.patch(PERSISTENT_VOLUME_CLAIMS, ns, name, 'merge', { metadata: { annotations: { [ANN_SELECTED_NODE]: node.name } } });
    }
  }

  async function preBindVolume(pv: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    try {
      await client.update(PERSISTENT_VOLUMES, {
        ...pv,
        metadata: { ...pv.metadata, annotations: { ...(pv.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' } },
        spec: { ...pv.spec, claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion } },
      });
    } catch (err) {
      // Someone else took the volume meanwhile: the claim stays unbound and the pod waits for it at the node.
      if (!isApiError(err, 'Conflict')) throw err;
    }
  }

  return plugin;
}
