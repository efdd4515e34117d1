// The arithmetic of a rolling update, after Kubernetes' deployment controller
// (pkg/controller/deployment/rolling.go): how far the new ReplicaSet may scale
// up and how far the old ones may scale down without leaving the limits set
// by maxSurge and maxUnavailable. Pure functions over replica counts.

import type { Deployment, ReplicaSet } from '../api/index.ts';

export interface RolloutLimits {
  maxSurge: number;
  maxUnavailable: number;
}

/** Resolves an int-or-percent against `total`; percentages round up for surge, down for unavailable. */
export function resolveIntOrPercent(value: number | string | undefined, total: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v.trim());
  if (!m) {
    const n = Number(v);
    return Number.isFinite(n) ? n : 0;
  }
  const raw = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

export function rolloutLimits(deployment: Deployment): RolloutLimits {
  const replicas = deployment.spec?.replicas ?? 1;
  const ru = deployment.spec?.strategy?.rollingUpdate;
  const maxSurge = resolveIntOrPercent(ru?.maxSurge, replicas, true, '25%');
  let maxUnavailable = resolveIntOrPercent(ru?.maxUnavailable, replicas, false, '25%');
  // Both zero would deadlock the rollout; Kubernetes then allows one unavailable.
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, replicas) };
}

export const specReplicas = (rs: ReplicaSet): number => rs.spec?.replicas ?? 0;
export const availableReplicas = (rs: ReplicaSet): number => rs.status?.availableReplicas ?? 0;

/**
 * The replica count the new ReplicaSet should have now, given its current
 * count and the sum of spec.replicas over all the Deployment's ReplicaSets
 * (the new one included): up to replicas + maxSurge in total.
 */
export function newReplicaSetTarget(deployment: Deployment, current: number, total: number): number {
  const replicas = deployment.spec?.replicas ?? 1;
  if (current >= replicas) return replicas;
  const { maxSurge } = rolloutLimits(deployment);
  const room = replicas + maxSurge - total;
  if (room <= 0) return current;
  return current + Math.min(room, replicas - current);
}

/**
 * New spec.replicas for each old ReplicaSet (by name). Old sets with
 * unavailable pods shrink first (that costs no availability), then available
 * pods go, oldest set first, as long as availability stays >= replicas - maxUnavailable.
 */
export function oldReplicaSetTargets(deployment: Deployment, newRs: ReplicaSet | undefined, olds: readonly ReplicaSet[]): Map<string, number> {
  const targets = new Map<string, number>();
  const replicas = deployment.spec?.replicas ?? 1;
  const { maxUnavailable } = rolloutLimits(deployment);
  const minAvailable = replicas - maxUnavailable;
  const all = newRs ? [newRs, ...olds] : [...olds];
  const allPods = all.reduce((n, rs) => n + specReplicas(rs), 0);
  const newUnavailable = newRs ? Math.max(0, specReplicas(newRs) - availableReplicas(newRs)) : 0;
  let budget = allPods - minAvailable - newUnavailable;
  if (budget <= 0) return targets;

  const oldestFirst = [...olds].sort((a, b) => Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp));
  for (const rs of oldestFirst) {
    if (budget <= 0) break;
    const unhealthy = Math.max(0, specReplicas(rs) - availableReplicas(rs));
    const cut = Math.min(unhealthy, budget);
    if (cut > 0) {
      targets.set(rs.metadata.name, specReplicas(rs) - cut);
      budget -= cut;
    }
  }

  const totalAvailable = all.reduce((n, rs) => n + availableReplicas(rs), 0);
  let scaleDown = totalAvailable - minAvailable;
  for (const rs of oldestFirst) {
    if (scaleDown <= 0) break;
    const current = targets.get(rs.metadata.name) ?? specReplicas(rs);
    if (current === 0) continue;
    const cut = Math.min(current, scaleDown);
    targets.set(rs.metadata.name, current - cut);
    scaleDown -= cut;
  }
  return targets;
}
