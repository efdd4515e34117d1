// Deployment status and conditions, shaped so `kubectl rollout status` reads
// them as it does on Kubernetes: it waits while updatedReplicas < replicas,
// while old replicas remain, and while available < updated; it reports
// success once observedGeneration caught up and all three hold, and fails on
// Progressing=False reason ProgressDeadlineExceeded.

import type { Deployment, DeploymentStatus, ReplicaSet } from '../api/index.ts';
import { rolloutLimits } from './deployment-rollout.ts';
import { canonicalJson } from './names.ts';

type Condition = NonNullable<DeploymentStatus['conditions']>[number];

export const REASON_NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const REASON_NEW_RS_CREATED = 'NewReplicaSetCreated';
export const REASON_RS_UPDATED = 'ReplicaSetUpdated';
export const REASON_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';

export function computeDeploymentStatus(
  deployment: Deployment,
  newRs: ReplicaSet | undefined,
  all: readonly ReplicaSet[],
  nowIso: string,
  progress: { reason: string; message: string } | undefined,
): DeploymentStatus {
  const replicas = deployment.spec?.replicas ?? 1;
  const sum = (f: (rs: ReplicaSet) => number | undefined) => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
  const status: DeploymentStatus = {
    observedGeneration: deployment.metadata.generation ?? 1,
    replicas: sum((rs) => rs.status?.replicas),
    updatedReplicas: newRs?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas),
    availableReplicas: sum((rs) => rs.status?.availableReplicas),
  };
  status.unavailableReplicas = Math.max(0, sum((rs) => rs.spec?.replicas) - (status.availableReplicas ?? 0));

  let conditions = [...(deployment.status?.conditions ?? [])];
  const { maxUnavailable } = rolloutLimits(deployment);
  const minAvailable = replicas - (deployment.spec?.strategy?.type === 'Recreate' ? 0 : maxUnavailable);
  conditions = setCondition(
    conditions,
    (status.availableReplicas ?? 0) >= minAvailable
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
    nowIso,
  );

  const complete =
    newRs !== undefined &&
    status.updatedReplicas === replicas &&
    status.replicas === replicas &&
    status.availableReplicas === replicas &&
    (newRs.status?.observedGeneration ?? 0) >= (newRs.metadata.generation ?? 1);
  if (complete && newRs) {
    conditions = setCondition(
      conditions,
      { type: 'Progressing', status: 'True', reason: REASON_NEW_RS_AVAILABLE, message: `ReplicaSet "${newRs.metadata.name}" has successfully progressed.` },
      nowIso,
    );
  } else if (progress) {
    conditions = setCondition(conditions, { type: 'Progressing', status: 'True', ...progress }, nowIso, true);
  }
  status.conditions = conditions;
  return status;
}

/** Progressing=False/ProgressDeadlineExceeded when the rollout made no progress for progressDeadlineSeconds. */
export function deadlineCondition(deployment: Deployment, status: DeploymentStatus, nowMs: number): { exceeded: boolean; waitMs?: number } {
  const deadline = deployment.spec?.progressDeadlineSeconds;
  if (deadline === undefined) return { exceeded: false };
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (!progressing || progressing.reason === REASON_NEW_RS_AVAILABLE) return { exceeded: false };
  if (progressing.reason === REASON_DEADLINE_EXCEEDED) return { exceeded: true };
  const since = Date.parse(progressing.lastUpdateTime ?? '');
  if (Number.isNaN(since)) return { exceeded: false };
  const left = since + deadline * 1000 - nowMs;
  return left <= 0 ? { exceeded: true } : { exceeded: false, waitMs: left };
}

/**
 * Sets a condition, keeping lastTransitionTime when the status did not
 * change; `touch` also refreshes lastUpdateTime when only the message moved
 * (the progress clock the deadline is measured from).
 */
export function setCondition(conditions: Condition[], next: Omit<Condition, 'lastUpdateTime' | 'lastTransitionTime'>, nowIso: string, touch = false): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const sameStatus = old?.status === next.status;
  const unchanged = sameStatus && old?.reason === next.reason && old?.message === next.message;
  if (unchanged && old && !touch) return conditions;
  const merged: Condition = {
    ...next,
    lastUpdateTime: !touch && sameStatus && old?.reason === next.reason ? (old?.lastUpdateTime ?? nowIso) : nowIso,
    lastTransitionTime: sameStatus ? (old?.lastTransitionTime ?? nowIso) : nowIso,
  };
  return [...conditions.filter((c) => c.type !== next.type), merged].sort((a, b) => conditionOrder(a.type) - conditionOrder(b.type));
}

function conditionOrder(type: string): number {
  return type === 'Available' ? 0 : type === 'Progressing' ? 1 : 2;
}

export function sameDeploymentStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b);
}
