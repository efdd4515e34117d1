// What a StatefulSet's status says about its pods, computed as the
// Kubernetes controller does: created pods, ready and available ones, and how
// many run the current and the update revision. A RollingUpdate is complete
// when every pod is updated and ready; the update revision then becomes current.

import type { Pod, StatefulSet, StatefulSetStatus } from '../api/index.ts';
import { isPodReady, podAvailability } from './pod-state.ts';
import { revisionOfPod } from './statefulset-pods.ts';

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

/** Running, ready for minReadySeconds; otherwise how long until it would be (when it is ready already). */
export function runningAvailability(pod: Pod, minReadySeconds: number, nowMs: number): { available: boolean; waitMs?: number } {
  if (pod.status?.phase !== 'Running') return { available: false };
  return podAvailability(pod, minReadySeconds, nowMs);
}

export function isTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

export interface RevisionNames {
  current: string;
  update: string;
}

export function computeStatefulSetStatus(set: StatefulSet, pods: readonly Pod[], revisions: RevisionNames, collisionCount: number, nowMs: number): StatefulSetStatus {
  const minReadySeconds = set.spec?.minReadySeconds ?? 0;
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata.generation ?? 1,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
    currentRevision: revisions.current,
    updateRevision: revisions.update,
    collisionCount,
  };
  // As Kubernetes counts: a terminating pod is still a replica (and ready while it is), but neither current nor updated.
  for (const pod of pods) {
    status.replicas += 1;
    if (isRunningAndReady(pod)) {
      status.readyReplicas! += 1;
      if (runningAvailability(pod, minReadySeconds, nowMs).available) status.availableReplicas! += 1;
    }
    if (isTerminating(pod)) continue;
    const revision = revisionOfPod(pod);
    if (revision === revisions.current) status.currentReplicas! += 1;
    if (revision === revisions.update) status.updatedReplicas! += 1;
  }
  const rollingUpdate = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  if (rollingUpdate && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    status.currentRevision = status.updateRevision;
    status.currentReplicas = status.updatedReplicas;
  }
  return status;
}

export function sameStatefulSetStatus(a: StatefulSetStatus | undefined, b: StatefulSetStatus): boolean {
  if (!a) return false;
  const keys = ['observedGeneration', 'replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'currentRevision', 'updateRevision', 'collisionCount'] as const;
  return keys.every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}
