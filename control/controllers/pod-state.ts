// How controllers read a pod's state: active, ready, available, terminal.
// Pod status is written by the node agent (or by tests playing it).

import type { Pod } from '../api/index.ts';

export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Counts toward a ReplicaSet's replicas: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && pod.metadata.deletionTimestamp === undefined;
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Ready for at least `minReadySeconds` at time `nowMs`. Returns the ms left
 * until it becomes available when it is ready but not yet long enough.
 */
export function podAvailability(pod: Pod, minReadySeconds: number, nowMs: number): { available: boolean; waitMs?: number } {
  if (!isPodReady(pod)) return { available: false };
  if (minReadySeconds <= 0) return { available: true };
  const since = pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
  const sinceMs = since ? Date.parse(since) : Number.NaN;
  if (Number.isNaN(sinceMs)) return { available: true };
  const left = sinceMs + minReadySeconds * 1000 - nowMs;
  return left <= 0 ? { available: true } : { available: false, waitMs: left };
}

/**
 * Order in which surplus pods are deleted (most expendable first), after
 * Kubernetes' ActivePods ranking: unscheduled before scheduled, Pending before
 * Unknown before Running, not ready before ready, more restarts first, newer first.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const scheduled = (p: Pod) => (p.spec?.nodeName ? 1 : 0);
  if (scheduled(a) !== scheduled(b)) return scheduled(a) - scheduled(b);
  const phaseRank = (p: Pod) => ({ Pending: 0, Unknown: 1, Running: 2 })[p.status?.phase as string] ?? 0;
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b);
  const ready = (p: Pod) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const restarts = (p: Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  return Date.parse(b.metadata.creationTimestamp) - Date.parse(a.metadata.creationTimestamp);
}
