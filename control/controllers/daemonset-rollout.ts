// What a DaemonSet's RollingUpdate does next, after pkg/controller/daemon's
// rollingUpdate: without surge, old pods are deleted while no more than
// maxUnavailable nodes lack an available pod (old pods that are not available
// go at once); with surge, a new pod starts beside the old one on up to
// maxSurge nodes and the old one goes when the new one is available.
// Pure: it returns the pods to delete and the nodes that want a new pod.

import type { DaemonSet, Pod } from '../api/index.ts';
import { TEMPLATE_GENERATION_ANNOTATION } from '../api/index.ts';
import { resolveIntOrPercent } from './deployment-rollout.ts';
import { CONTROLLER_REVISION_HASH_LABEL, POD_TEMPLATE_GENERATION_LABEL } from './daemonset-history.ts';
import { podAvailability } from './pod-state.ts';

export function templateGeneration(ds: DaemonSet): string | undefined {
  return ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
}

/** util.IsPodUpdated: the pod carries the current revision hash, or the current template generation. */
export function isPodUpdated(pod: Pod, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  return (hash !== '' && labels[CONTROLLER_REVISION_HASH_LABEL] === hash) || (generation !== undefined && labels[POD_TEMPLATE_GENERATION_LABEL] === generation);
}

/** The new and old pod on a node; `ok` is false with more than one of either (manage cleans that up first). */
export function updatedPodsOnNode(pods: Pod[], hash: string, generation: string | undefined): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

/** maxSurge and maxUnavailable as pod counts of the desired number (both rounded up; never both 0). */
export function rollingLimits(ds: DaemonSet, desired: number): { maxSurge: number; maxUnavailable: number } {
  const rolling = ds.spec?.updateStrategy?.rollingUpdate;
  const maxSurge = resolveIntOrPercent(rolling?.maxSurge, desired, true, '0');
  let maxUnavailable = resolveIntOrPercent(rolling?.maxUnavailable, desired, true, '1');
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

export interface RolloutStep {
  podsToDelete: Pod[];
  nodesNeedingPods: string[];
}

export function rollingUpdateStep(ds: DaemonSet, podsByNode: Map<string, Pod[]>, desired: number, hash: string, nowMs: number): RolloutStep {
  const generation = templateGeneration(ds);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (pod: Pod) => podAvailability(pod, minReady, nowMs).available;
  const { maxSurge, maxUnavailable } = rollingLimits(ds, desired);
  const nodes = [...podsByNode.keys()].sort();

  if (maxSurge === 0) {
    let unavailable = 0;
    const replaceNow: Pod[] = [];
    const candidates: Pod[] = [];
    for (const node of nodes) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(podsByNode.get(node)!, hash, generation);
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod!)) replaceNow.push(oldPod!);
      else if (unavailable < maxUnavailable) candidates.push(oldPod!);
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { podsToDelete: [...replaceNow, ...candidates.slice(0, room)], nodesNeedingPods: [] };
  }

  let surging = 0;
  const podsToDelete: Pod[] = [];
  const replaceNow: string[] = [];
  const candidates: string[] = [];
  for (const node of nodes) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(podsByNode.get(node)!, hash, generation);
    if (!ok) {
      surging++;
      continue;
    }
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) replaceNow.push(node);
      else candidates.push(node);
    } else if (!available(newPod)) surging++;
    else podsToDelete.push(oldPod);
  }
  const room = Math.min(Math.max(0, maxSurge - surging), candidates.length);
  return { podsToDelete, nodesNeedingPods: [...replaceNow, ...candidates.slice(0, room)] };
}
