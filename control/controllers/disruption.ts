// The disruption controller (kube-controller-manager's disruption.go): keeps a
// PodDisruptionBudget's status — how many pods it expects, how many are
// healthy, how many must stay healthy and so how many may be disrupted now.
// The Eviction API (control/registry/eviction.ts) reads that status and
// records each eviction in disruptedPods; the entries expire here after two
// minutes if the pod was not deleted after all.

import type { Client, Clock, KubeObject, OwnerReference, PdbCondition, Pod, PodDisruptionBudget, PodDisruptionBudgetStatus } from '../api/index.ts';
import {
  DISRUPTION_ALLOWED_CONDITION, INSUFFICIENT_PODS_REASON, PODS, POD_DISRUPTION_BUDGETS, REPLICA_SETS, SUFFICIENT_PODS_REASON, SYNC_FAILED_REASON,
  pdbSelectsPod, resourceTypeForKind, scaledValue, systemClock,
} from '../api/index.ts';
import type { ReconcileResult, Reconciler } from '../runtime/index.ts';
import { splitKey } from './keys.ts';
import { controllerOf } from './owner-refs.ts';
import { isPodReady } from './pod-state.ts';

/** How long an eviction recorded in disruptedPods keeps the pod out of currentHealthy (DeletionTimeout). */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60 * 1000;

class SyncFailure extends Error {}

/** The object whose scale governs a pod: its controller, or the Deployment above a ReplicaSet. */
async function scaleOwner(client: Client, namespace: string, ref: OwnerReference | undefined): Promise<KubeObject | undefined> {
  if (!ref) return undefined;
  const type = resourceTypeForKind(ref.apiVersion, ref.kind);
  if (!type || !type.subresources.includes('scale')) return undefined;
  const owner = await client.get(type, namespace, ref.name);
  if (!owner || owner.metadata.uid !== ref.uid) return undefined;
  const parent: OwnerReference | undefined = type === REPLICA_SETS ? controllerOf(owner.metadata) : undefined;
  return parent?.kind === 'Deployment' ? scaleOwner(client, namespace, parent) : owner;
}

/**
 * The number of pods the PDB's pods' controllers want, through their scale
 * (spec.replicas): a ReplicaSet owned by a Deployment counts as the Deployment.
 */
async function expectedScale(client: Client, namespace: string, pods: readonly Pod[]): Promise<number> {
  const seen = new Map<string, number>();
  for (const pod of pods) {
    const owner = await scaleOwner(client, namespace, controllerOf(pod.metadata));
    if (!owner) throw new SyncFailure(`found no controllers for pod "${pod.metadata.name}"`);
    if (!seen.has(owner.metadata.uid)) seen.set(owner.metadata.uid, (owner.spec as { replicas?: number } | undefined)?.replicas ?? 1);
  }
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

/** expectedCount and desiredHealthy from minAvailable / maxUnavailable (getExpectedPodCount). */
async function expectations(client: Client, pdb: PodDisruptionBudget, pods: readonly Pod[]): Promise<{ expected: number; desired: number }> {
  const spec = pdb.spec ?? {};
  const namespace = pdb.metadata.namespace!;
  if (spec.maxUnavailable !== undefined) {
    const expected = await expectedScale(client, namespace, pods);
    const max = scaledValue(spec.maxUnavailable, expected, true);
    if (max === undefined) throw new SyncFailure(`invalid value for maxUnavailable: ${JSON.stringify(spec.maxUnavailable)}`);
    return { expected, desired: Math.max(0, expected - max) };
  }
  if (spec.minAvailable !== undefined) {
    if (typeof spec.minAvailable === 'number') return { expected: pods.length, desired: spec.minAvailable };
    const expected = await expectedScale(client, namespace, pods);
    const min = scaledValue(spec.minAvailable, expected, true);
    if (min === undefined) throw new SyncFailure(`invalid value for minAvailable: ${JSON.stringify(spec.minAvailable)}`);
    return { expected, desired: min };
  }
  return { expected: pods.length, desired: 0 };
}

function withCondition(conditions: readonly PdbCondition[] | undefined, next: PdbCondition, now: string): PdbCondition[] {
  const old = (conditions ?? []).find((c) => c.type === next.type);
  const kept = (conditions ?? []).filter((c) => c.type !== next.type);
  const lastTransitionTime = old && old.status === next.status && old.lastTransitionTime ? old.lastTransitionTime : now;
  return [...kept, { ...next, lastTransitionTime }];
}

export interface DisruptionReconcilerOptions {
  client: Client;
  clock?: Clock;
}

export function createDisruptionReconciler(options: DisruptionReconcilerOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  return {
    name: 'disruption',
    async reconcile(key): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const pdb = await client.get<PodDisruptionBudget>(POD_DISRUPTION_BUDGETS, namespace, name);
      if (!pdb || pdb.metadata.deletionTimestamp) return;
      const now = clock.now();
      const nowIso = new Date(now).toISOString();
      const all = (await client.list<Pod>(PODS, { namespace })).items;
      const pods = all.filter((p) => pdbSelectsPod(pdb, p.metadata.labels));
      const status: PodDisruptionBudgetStatus = { ...(pdb.status ?? {}), observedGeneration: pdb.metadata.generation };
      let recheckAt: number | undefined;
      try {
        const { expected, desired } = await expectations(client, pdb, pods);
        // Evictions not yet followed by a deletion keep their pod out of the count for two minutes.
        const disrupted: Record<string, string> = {};
        const byName = new Map(pods.map((p) => [p.metadata.name, p]));
        for (const [podName, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
          const pod = byName.get(podName);
          if (!pod || pod.metadata.deletionTimestamp) continue;
          const expiresAt = Date.parse(at) + DISRUPTED_POD_TIMEOUT_MS;
          if (Number.isNaN(expiresAt) || expiresAt <= now) continue;
          disrupted[podName] = at;
          recheckAt = recheckAt === undefined ? expiresAt : Math.min(recheckAt, expiresAt);
        }
        const healthy = pods.filter((p) => !p.metadata.deletionTimestamp && !(p.metadata.name in disrupted) && isPodReady(p)).length;
        const allowed = expected <= 0 ? 0 : Math.max(0, healthy - desired);
        status.expectedPods = expected;
        status.currentHealthy = healthy;
        status.desiredHealthy = desired;
        status.disruptionsAllowed = allowed;
        status.disruptedPods = disrupted;
        status.conditions = withCondition(
          pdb.status?.conditions,
          allowed > 0
            ? { type: DISRUPTION_ALLOWED_CONDITION, status: 'True', reason: SUFFICIENT_PODS_REASON, message: '', observedGeneration: pdb.metadata.generation }
            : { type: DISRUPTION_ALLOWED_CONDITION, status: 'False', reason: INSUFFICIENT_PODS_REASON, message: '', observedGeneration: pdb.metadata.generation },
          nowIso,
        );
      } catch (err) {
        if (!(err instanceof SyncFailure)) throw err;
        // Kubernetes' failSafe: no disruption is allowed while the budget cannot be computed.
        status.disruptionsAllowed = 0;
        status.conditions = withCondition(
          pdb.status?.conditions,
          { type: DISRUPTION_ALLOWED_CONDITION, status: 'False', reason: SYNC_FAILED_REASON, message: err.message, observedGeneration: pdb.metadata.generation },
          nowIso,
        );
      }
      if (JSON.stringify(status) !== JSON.stringify(pdb.status ?? {})) {
        await client.updateStatus(POD_DISRUPTION_BUDGETS, { ...pdb, status });
      }
      return recheckAt !== undefined ? { requeueAfterMs: recheckAt - now } : undefined;
    },
  };
}
