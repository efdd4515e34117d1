// ReplicaSet controller: keeps spec.replicas active pods that the ReplicaSet
// controls (ownerReference controller=true), adopting orphans its selector
// matches, and reports replicas / readyReplicas / availableReplicas /
// fullyLabeledReplicas / observedGeneration in status.

import type { Client, Clock, Pod, ReplicaSet, ReplicaSetStatus } from '../api/index.ts';
import { PODS, REPLICA_SETS, isApiError, matchesLabels, matchesSelector, systemClock } from '../api/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../runtime/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import { generatedName } from './names.ts';
import { controllerOf, controllerRef, isBeingDeleted, isControlledBy, withControllerRef } from './owner-refs.ts';
import { compareForDeletion, isPodActive, isPodReady, podAvailability } from './pod-state.ts';
import { splitKey } from './keys.ts';
import type { Expectations } from './expectations.ts';
import { clientPodLister } from './pod-lister.ts';
import type { PodLister } from './pod-lister.ts';

/** At most this many pods are created or deleted per reconcile; the rest follow on the next pass. */
const BURST = 500;

export interface ReplicaSetReconcilerOptions {
  client: Client;
  clock?: Clock;
  recorder?: EventRecorder;
  /** Where pods are read from; default the Client. A cache-backed lister needs `expectations`. */
  pods?: PodLister;
  expectations?: Expectations;
}

export function createReplicaSetReconciler(options: ReplicaSetReconcilerOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const recorder = options.recorder ?? createEventRecorder(client, 'replicaset-controller', undefined, clock);
  const listPods = options.pods ?? clientPodLister(client);
  const expectations = options.expectations;

  /**
   * The pods this ReplicaSet controls, after adopting orphans its selector
   * matches and releasing (dropping its ownerReference from) controlled pods
   * that no longer match — `kubectl label pod … app-` takes a pod out for debugging.
   */
  async function claimPods(rs: ReplicaSet, pods: Pod[]): Promise<Pod[]> {
    const out: Pod[] = [];
    for (const pod of pods) {
      const matches = matchesSelector(pod.metadata.labels, rs.spec?.selector);
      if (isControlledBy(pod, rs) && matches) {
        out.push(pod);
      } else if (isControlledBy(pod, rs)) {
        if (isBeingDeleted(pod)) continue;
        const ownerReferences = (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== rs.metadata.uid);
        try {
          await client.update<Pod>(PODS, { ...pod, metadata: { ...pod.metadata, ownerReferences } });
        } catch (err) {
          if (!isApiError(err, 'NotFound')) throw err;
        }
      } else if (!controllerOf(pod.metadata) && !isBeingDeleted(pod) && !isBeingDeleted(rs) && matches) {
        try {
          out.push(await client.update<Pod>(PODS, withControllerRef(pod, rs)));
        } catch (err) {
          if (!isApiError(err, 'NotFound')) throw err;
        }
      }
    }
    return out;
  }

  async function createPod(rs: ReplicaSet): Promise<Pod> {
    const template = rs.spec!.template;
    for (let attempt = 0; ; attempt++) {
      try {
        return await client.create<Pod>(PODS, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: generatedName(rs.metadata.name),
            generateName: `${rs.metadata.name}-`,
            namespace: rs.metadata.namespace,
            labels: { ...(template.metadata?.labels ?? {}) },
            ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
            ownerReferences: [controllerRef(rs)],
          },
          spec: structuredClone(template.spec),
        });
      } catch (err) {
        if (isApiError(err, 'AlreadyExists') && attempt < 3) continue;
        // What `kubectl describe rs` shows when pods cannot be made (invalid template, namespace terminating).
        recorder.record(rs, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    }
  }

  return {
    name: 'replicaset',
    async reconcile(key: string): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const rs = await client.get<ReplicaSet>(REPLICA_SETS, namespace, name);
      if (!rs?.spec) return;
      // Every pod of the namespace: adoption candidates match the selector, pods to release no longer do.
      const listed = await listPods(namespace, {});
      const all = expectations ? expectations.apply(key, listed) : listed;
      const owned = await claimPods(rs, all);
      let active = owned.filter(isPodActive);

      if (!isBeingDeleted(rs)) {
        const desired = rs.spec.replicas ?? 1;
        const diff = active.length - desired;
        if (diff < 0) {
          const count = Math.min(-diff, BURST);
          const created = await Promise.all(
            Array.from({ length: count }, async () => {
              const pod = await createPod(rs);
              expectations?.expectCreate(key, pod);
              return pod;
            }),
          );
          for (const pod of created) recorder.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
          active = [...active, ...created];
        } else if (diff > 0) {
          const victims = [...active].sort(compareForDeletion).slice(0, Math.min(diff, BURST));
          await Promise.all(
            victims.map(async (pod) => {
              try {
                await client.delete(PODS, namespace, pod.metadata.name);
                expectations?.expectDelete(key, pod);
                recorder.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
              } catch (err) {
                if (!isApiError(err, 'NotFound')) throw err;
              }
            }),
          );
          const gone = new Set(victims.map((p) => p.metadata.uid));
          active = active.filter((p) => !gone.has(p.metadata.uid));
        }
      }

      const minReadySeconds = (rs.spec as { minReadySeconds?: number }).minReadySeconds ?? 0;
      const now = clock.now();
      let available = 0;
      let nextWaitMs: number | undefined;
      for (const pod of active) {
        const a = podAvailability(pod, minReadySeconds, now);
        if (a.available) available += 1;
        else if (a.waitMs !== undefined) nextWaitMs = Math.min(nextWaitMs ?? Infinity, a.waitMs);
      }
      const templateLabels = rs.spec.template.metadata?.labels ?? {};
      const status: ReplicaSetStatus = {
        replicas: active.length,
        fullyLabeledReplicas: active.filter((p) => matchesLabels(p.metadata.labels, templateLabels) || Object.keys(templateLabels).length === 0).length,
        readyReplicas: active.filter(isPodReady).length,
        availableReplicas: available,
        observedGeneration: rs.metadata.generation ?? 1,
      };
      if (!sameStatus(rs.status, status)) {
        await client.updateStatus(REPLICA_SETS, { ...rs, status: { ...(rs.status ?? {}), ...status } });
      }
      return nextWaitMs !== undefined ? { requeueAfterMs: nextWaitMs + 1 } : undefined;
    },
  };
}

function sameStatus(old: ReplicaSetStatus | undefined, next: ReplicaSetStatus): boolean {
  if (!old) return false;
  return (
    old.replicas === next.replicas &&
    (old.fullyLabeledReplicas ?? 0) === next.fullyLabeledReplicas &&
    (old.readyReplicas ?? 0) === next.readyReplicas &&
    (old.availableReplicas ?? 0) === next.availableReplicas &&
    old.observedGeneration === next.observedGeneration
  );
}
