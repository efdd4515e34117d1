// Deployment controller: one ReplicaSet per pod template (named
// `<deployment>-<pod-template-hash>`), rolled forward by RollingUpdate or
// Recreate, old sets kept up to revisionHistoryLimit, and status/conditions
// that `kubectl rollout status` understands.

import type { Client, Clock, Deployment, Pod, PodTemplateSpec, ReplicaSet } from '../api/index.ts';
import { DEPLOYMENTS, PODS, REPLICA_SETS, isApiError, matchesSelector, selectorToString, systemClock } from '../api/index.ts';
import type { EventRecorder, Reconciler } from '../runtime/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import { newReplicaSetTarget, oldReplicaSetTargets, specReplicas } from './deployment-rollout.ts';
import { isPodTerminal } from './pod-state.ts';
import { REASON_NEW_RS_CREATED, REASON_RS_UPDATED, computeDeploymentStatus, sameDeploymentStatus } from './deployment-status.ts';
import { splitKey } from './keys.ts';
import { canonicalJson, fnv32a, safeEncode } from './names.ts';
import { controllerOf, controllerRef, isBeingDeleted, isControlledBy, withControllerRef } from './owner-refs.ts';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

/**
 * A stable hash of the pod template (the `pod-template-hash` label it carries
 * is left out). Nulls and empty objects/lists are dropped first: clients
 * written in Go send `creationTimestamp: null` and `resources: {}` in
 * templates (`kubectl rollout undo` does), and Kubernetes, hashing Go
 * structs, treats them as absent.
 */
export function podTemplateHash(template: PodTemplateSpec): string {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  const normalized = withoutEmpty({ ...template, metadata: { ...(template.metadata ?? {}), labels } });
  return safeEncode(String(fnv32a(canonicalJson(normalized ?? {}))));
}

function withoutEmpty(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map(withoutEmpty).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => [k, withoutEmpty(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return value;
}

const sumReplicas = (sets: readonly ReplicaSet[]): number => sets.reduce((n, rs) => n + specReplicas(rs), 0);

export function revisionOf(rs: ReplicaSet): number {
  const n = Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '0');
  return Number.isFinite(n) ? n : 0;
}

export interface DeploymentReconcilerOptions {
  client: Client;
  clock?: Clock;
  recorder?: EventRecorder;
}

export function createDeploymentReconciler(options: DeploymentReconcilerOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const recorder = options.recorder ?? createEventRecorder(client, 'deployment-controller', undefined, clock);

  async function ownedReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const all = (await client.list<ReplicaSet>(REPLICA_SETS, { namespace: d.metadata.namespace })).items;
    const out: ReplicaSet[] = [];
    for (const rs of all) {
      if (isControlledBy(rs, d)) out.push(rs);
      else if (!controllerOf(rs.metadata) && !isBeingDeleted(rs) && matchesSelector(rs.metadata.labels, d.spec?.selector)) {
        try {
          out.push(await client.update<ReplicaSet>(REPLICA_SETS, withControllerRef(rs, d)));
        } catch (err) {
          if (!isApiError(err, 'NotFound')) throw err;
        }
      }
    }
    return out;
  }

  async function createNewReplicaSet(d: Deployment, hash: string, replicas: number, revision: number): Promise<ReplicaSet> {
    const template = structuredClone(d.spec!.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const name = `${d.metadata.name}-${hash}`;
    try {
      return await client.create<ReplicaSet>(REPLICA_SETS, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name,
          namespace: d.metadata.namespace,
          labels: { ...template.metadata.labels },
          annotations: {
            [REVISION_ANNOTATION]: String(revision),
            [DESIRED_REPLICAS_ANNOTATION]: String(d.spec!.replicas ?? 1),
          },
          ownerReferences: [controllerRef(d)],
        },
        spec: { replicas, selector, template, ...(d.spec!.minReadySeconds ? { minReadySeconds: d.spec!.minReadySeconds } : {}) },
      });
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      const existing = await client.get<ReplicaSet>(REPLICA_SETS, d.metadata.namespace, name);
      if (existing && isControlledBy(existing, d)) return existing;
      throw err;
    }
  }

  async function hasPodsOf(d: Deployment, replicaSets: readonly ReplicaSet[]): Promise<boolean> {
    if (replicaSets.length === 0) return false;
    const uids = new Set(replicaSets.map((rs) => rs.metadata.uid));
    const pods = (await client.list<Pod>(PODS, { namespace: d.metadata.namespace, labelSelector: selectorToString(d.spec!.selector) })).items;
    return pods.some((p) => uids.has(controllerOf(p.metadata)?.uid ?? '') && !isPodTerminal(p));
  }

  async function scale(d: Deployment, rs: ReplicaSet, replicas: number, moved: { scaled: boolean }): Promise<ReplicaSet> {
    const from = specReplicas(rs);
    if (from === replicas) return rs;
    moved.scaled = true;
    const updated = await client.update<ReplicaSet>(REPLICA_SETS, {
      ...rs,
      metadata: { ...rs.metadata, annotations: { ...(rs.metadata.annotations ?? {}), [DESIRED_REPLICAS_ANNOTATION]: String(d.spec!.replicas ?? 1) } },
      spec: { ...rs.spec!, replicas },
    });
    recorder.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${replicas}`);
    return updated;
  }

  return {
    name: 'deployment',
    async reconcile(key: string): Promise<void> {
      const { namespace, name } = splitKey(key);
      const d = await client.get<Deployment>(DEPLOYMENTS, namespace, name);
      if (!d?.spec || isBeingDeleted(d)) return;
      const replicas = d.spec.replicas ?? 1;
      const owned = await ownedReplicaSets(d);
      const hash = podTemplateHash(d.spec.template);
      let newRs = owned.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash && !isBeingDeleted(rs));
      let olds = owned.filter((rs) => rs !== newRs);
      const maxOldRevision = olds.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
      let progress: { reason: string; message: string } | undefined;
      const moved = { scaled: false };
      const paused = (d.spec as { paused?: boolean }).paused === true;

      if (!paused) {
        const recreate = d.spec.strategy?.type === 'Recreate';
        if (recreate) {
          olds = await Promise.all(olds.map((rs) => scale(d, rs, 0, moved)));
          // Recreate means no overlap: wait until the old pods are gone, terminating ones included.
          if (!(await hasPodsOf(d, olds))) {
            if (!newRs) {
              newRs = await createNewReplicaSet(d, hash, replicas, maxOldRevision + 1);
              progress = { reason: REASON_NEW_RS_CREATED, message: `Created new replica set "${newRs.metadata.name}"` };
              recorder.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${newRs.metadata.name} from 0 to ${replicas}`);
            } else {
              newRs = await scale(d, newRs, replicas, moved);
            }
          }
        } else {
          if (!newRs) {
            const initial = newReplicaSetTarget(d, 0, sumReplicas(olds));
            newRs = await createNewReplicaSet(d, hash, initial, maxOldRevision + 1);
            progress = { reason: REASON_NEW_RS_CREATED, message: `Created new replica set "${newRs.metadata.name}"` };
            if (initial > 0) recorder.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${newRs.metadata.name} from 0 to ${initial}`);
          } else {
            newRs = await scale(d, newRs, newReplicaSetTarget(d, specReplicas(newRs), sumReplicas([newRs, ...olds])), moved);
          }
          const targets = oldReplicaSetTargets(d, newRs, olds);
          olds = await Promise.all(olds.map((rs) => (targets.has(rs.metadata.name) ? scale(d, rs, targets.get(rs.metadata.name)!, moved) : rs)));
        }
        if (newRs && revisionOf(newRs) <= maxOldRevision) {
          newRs = await client.update<ReplicaSet>(REPLICA_SETS, {
            ...newRs,
            metadata: { ...newRs.metadata, annotations: { ...(newRs.metadata.annotations ?? {}), [REVISION_ANNOTATION]: String(maxOldRevision + 1) } },
          });
        }
        olds = await cleanupHistory(client, d, olds);
      }

      const all = newRs ? [newRs, ...olds] : olds;
      // Progress (what the deadline is measured from) is a change we made; otherwise the condition stays as it is.
      const hasProgressing = d.status?.conditions?.some((c) => c.type === 'Progressing') ?? false;
      if (!progress && newRs && !paused && (moved.scaled || !hasProgressing)) {
        progress = { reason: REASON_RS_UPDATED, message: `ReplicaSet "${newRs.metadata.name}" is progressing.` };
      }
      // The Deployment carries its current revision too (`kubectl rollout undo` patches it).
      let current = d;
      const revision = newRs ? String(revisionOf(newRs)) : undefined;
      if (revision && d.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
        current = await client.update<Deployment>(DEPLOYMENTS, {
          ...d,
          metadata: { ...d.metadata, annotations: { ...(d.metadata.annotations ?? {}), [REVISION_ANNOTATION]: revision } },
        });
      }
      const status = computeDeploymentStatus(current, newRs, all, new Date(clock.now()).toISOString(), progress);
      if (!sameDeploymentStatus(current.status, status)) await client.updateStatus(DEPLOYMENTS, { ...current, status });
    },
  };
}

/** Deletes scaled-down old ReplicaSets beyond revisionHistoryLimit, oldest revision first. */
async function cleanupHistory(client: Client, d: Deployment, olds: ReplicaSet[]): Promise<ReplicaSet[]> {
  const limit = d.spec?.revisionHistoryLimit ?? 10;
  const idle = olds.filter((rs) => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && !isBeingDeleted(rs));
  if (idle.length <= limit) return olds;
  const doomed = new Set(
    idle
      .sort((a, b) => revisionOf(a) - revisionOf(b))
      .slice(0, idle.length - limit)
      .map((rs) => rs.metadata.uid),
  );
  for (const rs of olds) {
    if (!doomed.has(rs.metadata.uid)) continue;
    try {
      await client.delete(REPLICA_SETS, rs.metadata.namespace, rs.metadata.name);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
  return olds.filter((rs) => !doomed.has(rs.metadata.uid));
}
