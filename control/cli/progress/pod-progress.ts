// How far the cluster's pods are from Ready, as one line for `meshlet up`:
// "waiting for pods: 4/6 ready (reviews-v2-…: ContainersNotReady, …)".

import type { ObjectInput, Pod } from '../../api/index.ts';

export interface WaitingPod {
  name: string;
  reason: string;
}

export interface PodProgress {
  ready: number;
  /** Pods expected from the manifests, or more if more exist. */
  total: number;
  waiting: WaitingPod[];
  done: boolean;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet']);
const SHOWN_WAITING = 3;

/** Pods the applied objects will run: workload replicas plus bare Pods (Jobs finish, so they are not waited for). */
export function expectedPodCount(objects: readonly ObjectInput[]): number {
  let count = 0;
  for (const o of objects) {
    if (o.kind === 'Pod') count += 1;
    else if (WORKLOAD_KINDS.has(o.kind)) {
      const replicas = (o.spec as { replicas?: unknown } | undefined)?.replicas;
      count += typeof replicas === 'number' ? replicas : 1;
    }
  }
  return count;
}

function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The most specific reason kubectl would show: a container's waiting reason, then the conditions, then the phase. */
function waitingReason(pod: Pod): string {
  const containerWaiting = pod.status?.containerStatuses?.find((c) => c.state.waiting)?.state.waiting?.reason;
  if (containerWaiting) return containerWaiting;
  const terminated = pod.status?.containerStatuses?.find((c) => c.state.terminated)?.state.terminated?.reason;
  if (terminated) return terminated;
  const conditions = pod.status?.conditions ?? [];
  const unscheduled = conditions.find((c) => c.type === 'PodScheduled' && c.status !== 'True');
  if (unscheduled) return unscheduled.reason ?? 'Unschedulable';
  if (!pod.spec?.nodeName) return 'Pending';
  const notReady = conditions.find((c) => c.type === 'Ready' && c.status !== 'True');
  return notReady?.reason ?? pod.status?.phase ?? 'Pending';
}

export function podProgress(pods: readonly Pod[], expected: number): PodProgress {
  // Finished and terminating pods are not waited for: their replacements are.
  const live = pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const ready = live.filter(isReady).length;
  const waiting = live
    .filter((p) => !isReady(p))
    .map((p) => ({ name: p.metadata.name, reason: waitingReason(p) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const total = Math.max(expected, live.length);
  return { ready, total, waiting, done: ready >= total && waiting.length === 0 };
}

export function formatPodProgress(progress: PodProgress): string {
  const head = `${progress.ready}/${progress.total} ready`;
  if (progress.done) return `pods: ${head}`;
  const shown = progress.waiting.slice(0, SHOWN_WAITING).map((w) => `${w.name}: ${w.reason}`);
  const notCreated = progress.total - progress.ready - progress.waiting.length;
  if (notCreated > 0) shown.push(`${notCreated} not created yet`);
  const more = progress.waiting.length - SHOWN_WAITING;
  if (more > 0) shown.push(`+${more} more`);
  return `waiting for pods: ${head}${shown.length ? ` (${shown.join(', ')})` : ''}`;
}
