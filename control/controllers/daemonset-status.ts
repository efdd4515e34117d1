// A DaemonSet's status, after pkg/controller/daemon's updateDaemonSetStatus:
// per node that should run the pod, whether one is scheduled there, and
// whether the oldest one is ready, available and of the current template.
// `kubectl rollout status ds/x` reads updatedNumberScheduled and
// numberAvailable against desiredNumberScheduled once observedGeneration caught up.

import type { DaemonSet, DaemonSetStatus, Node, Pod } from '../api/index.ts';
import { nodeShouldRunDaemonPod } from './daemonset-placement.ts';
import { isPodUpdated, templateGeneration } from './daemonset-rollout.ts';
import { isPodReady, podAvailability } from './pod-state.ts';

const byAge = (a: Pod, b: Pod) => Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp);

export function computeDaemonSetStatus(
  ds: DaemonSet,
  nodes: Node[],
  podsByNode: Map<string, Pod[]>,
  hash: string,
  nowMs: number,
): { status: DaemonSetStatus; availableInMs?: number } {
  const generation = templateGeneration(ds);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  let desired = 0;
  let current = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let misscheduled = 0;
  let availableInMs: number | undefined;
  for (const node of nodes) {
    const pods = [...(podsByNode.get(node.metadata.name) ?? [])].sort(byAge);
    const scheduled = pods.length > 0;
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (scheduled) misscheduled++;
      continue;
    }
    desired++;
    if (!scheduled) continue;
    current++;
    const pod = pods[0]!;
    if (isPodReady(pod)) {
      ready++;
      const availability = podAvailability(pod, minReady, nowMs);
      if (availability.available) available++;
      else if (availability.waitMs !== undefined) availableInMs = Math.min(availableInMs ?? Infinity, availability.waitMs);
    }
    if (isPodUpdated(pod, hash, generation)) updated++;
  }
  const status: DaemonSetStatus = {
    ...(ds.status ?? {}),
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    observedGeneration: ds.metadata.generation,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  if (status.numberUnavailable === 0) delete status.numberUnavailable;
  return { status, ...(availableInMs !== undefined ? { availableInMs } : {}) };
}
