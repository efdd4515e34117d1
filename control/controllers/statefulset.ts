// StatefulSet controller: pods `<set>-<ordinal>` with stable identity and
// storage, made and removed in order (OrderedReady: ordinal N only once 0..N-1
// are Running and Ready, scale-down from the highest ordinal, one at a time) or
// all at once (Parallel); RollingUpdate from the highest ordinal down to the
// partition (maxUnavailable at a time, default one), or OnDelete;
// ControllerRevisions as history and
// current/update revisions in status, the way kube-controller-manager's
// StatefulSet controller does it.

import type { Client, Clock, ControllerRevision, Pod, StatefulSet } from '../api/index.ts';
import { PODS, STATEFUL_SETS, isApiError, matchesSelector, selectorToString, systemClock } from '../api/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../runtime/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import { ensureRevision, ownedRevisions, templateOfRevision, templatePatch, truncateHistory } from './controller-revision.ts';
import { resolveIntOrPercent } from './deployment-rollout.ts';
import { splitKey } from './keys.ts';
import { controllerOf, isBeingDeleted, isControlledBy, withControllerRef } from './owner-refs.ts';
import { isPodTerminal } from './pod-state.ts';
import { StatefulSetClaims } from './statefulset-claims.ts';
import { identityMatches, newStatefulSetPod, ordinalOf, revisionOfPod, withIdentity } from './statefulset-pods.ts';
import { computeStatefulSetStatus, isRunningAndReady, isTerminating, runningAvailability, sameStatefulSetStatus } from './statefulset-status.ts';

export interface StatefulSetReconcilerOptions {
  client: Client;
  clock?: Clock;
  recorder?: EventRecorder;
}

/** The revisions a pass works with: pods below the partition keep `current`, the rest get `update`. */
interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
  all: ControllerRevision[];
  collisionCount: number;
}

export function createStatefulSetReconciler(options: StatefulSetReconcilerOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const recorder = options.recorder ?? createEventRecorder(client, 'statefulset-controller', undefined, clock);

  /** Controlled pods, after adopting orphans named like ours and releasing those relabelled out of the selector. */
  async function claimPods(set: StatefulSet): Promise<Pod[]> {
    const listed = (await client.list<Pod>(PODS, { namespace: set.metadata.namespace })).items;
    const out: Pod[] = [];
    for (const pod of listed) {
      const matches = matchesSelector(pod.metadata.labels, set.spec?.selector);
      if (isControlledBy(pod, set)) {
        if (matches) {
          out.push(pod);
          continue;
        }
        if (isBeingDeleted(pod)) continue;
        const ownerReferences = (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== set.metadata.uid);
        await ignoreNotFound(client.update<Pod>(PODS, { ...pod, metadata: { ...pod.metadata, ownerReferences } }));
      } else if (!controllerOf(pod.metadata) && matches && ordinalOf(set, pod) >= 0 && !isBeingDeleted(pod) && !isBeingDeleted(set)) {
        const adopted = await ignoreNotFound(client.update<Pod>(PODS, withControllerRef(pod, set)));
        if (adopted) out.push(adopted);
      }
    }
    return out;
  }

  async function revisionsOf(set: StatefulSet): Promise<Revisions> {
    const existing = await ownedRevisions(client, set);
    const { revision: update, collisionCount } = await ensureRevision(
      client,
      { owner: set, labels: { ...(set.spec!.template.metadata?.labels ?? {}) }, data: templatePatch(set.spec!.template), collisionCount: set.status?.collisionCount ?? 0 },
      existing,
    );
    const all = [...existing.filter((r) => r.metadata.uid !== update.metadata.uid), update];
    const current = all.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, all, collisionCount };
  }

  /** The pod for index `i` (ordinal start + i), of the current revision below the partition, else of the update revision. */
  function podFor(set: StatefulSet, revisions: Revisions, index: number): ReturnType<typeof newStatefulSetPod> {
    const strategy = set.spec?.updateStrategy;
    const rolling = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    const partition = strategy?.rollingUpdate?.partition;
    const keepCurrent = rolling && (partition === undefined ? index < (set.status?.currentReplicas ?? 0) : index < partition);
    const revision = keepCurrent ? revisions.current : revisions.update;
    const template = templateOfRevision(revision) ?? set.spec!.template;
    return newStatefulSetPod(set, template, revision.metadata.name, startOrdinal(set) + index);
  }

  async function createPod(set: StatefulSet, revisions: Revisions, claims: StatefulSetClaims, index: number): Promise<void> {
    const ordinal = startOrdinal(set) + index;
    await claims.ensure(set, ordinal);
    const pod = podFor(set, revisions, index);
    try {
      await client.create<Pod>(PODS, pod);
      recorder.record(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (err) {
      if (isApiError(err, 'AlreadyExists')) return;
      recorder.record(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  async function deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await client.delete(PODS, pod.metadata.namespace, pod.metadata.name);
      recorder.record(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  /**
   * One pass over the pods: create or recreate, then condemn surplus ordinals,
   * then roll. OrderedReady returns at the first pod it must wait for; the
   * pod's next change brings the set back. Returns ms until a ready pod counts
   * as available, when that is what it waits for.
   */
  async function syncPods(set: StatefulSet, pods: Pod[], revisions: Revisions): Promise<number | undefined> {
    const start = startOrdinal(set);
    const count = set.spec?.replicas ?? 1;
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
    const now = clock.now();
    const replicas: (Pod | undefined)[] = Array.from({ length: count }, () => undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const ordinal = ordinalOf(set, pod);
      if (ordinal >= start && ordinal < start + count) replicas[ordinal - start] = pod;
      else if (ordinal >= 0) condemned.push(pod);
    }
    condemned.sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a));
    const claims = await StatefulSetClaims.load(client, recorder, set);
    const unhealthy = (p: Pod) => !isRunningAndReady(p) || isTerminating(p);
    const firstUnhealthy = [...replicas.filter((p): p is Pod => p !== undefined), ...condemned].find(unhealthy);

    for (let i = 0; i < count; i++) {
      let pod = replicas[i];
      if (pod && isPodTerminal(pod) && !isTerminating(pod)) {
        if (pod.status?.phase === 'Failed') {
          recorder.record(set, 'Warning', 'RecreatingFailedPod', `StatefulSet ${set.metadata.namespace}/${set.metadata.name} is recreating failed Pod ${pod.metadata.name}`);
        }
        await deletePod(set, pod);
        if (monotonic) return undefined;
        continue;
      }
      if (!pod) {
        await createPod(set, revisions, claims, i);
        if (monotonic) return undefined;
        continue;
      }
      if (isTerminating(pod)) {
        if (monotonic) return undefined;
        continue;
      }
      if (!isRunningAndReady(pod) && monotonic) return undefined;
      const availability = runningAvailability(pod, minReadySeconds, now);
      if (!availability.available && monotonic) return availability.waitMs;
      // A pod whose identity labels were edited away gets them back; its storage is made whole.
      const ordinal = start + i;
      if (!identityMatches(set, pod, ordinal)) {
        pod = await client.update<Pod>(PODS, withIdentity(pod, ordinal));
        replicas[i] = pod;
      }
      await claims.ensure(set, ordinal);
    }

    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return undefined;
        continue;
      }
      // Scaling down in order never removes a pod while another one is broken, except that broken one.
      if (monotonic && unhealthy(pod) && pod !== firstUnhealthy) return undefined;
      await claims.handOverToPod(set, ordinalOf(set, pod), pod);
      await deletePod(set, pod);
      if (monotonic) return undefined;
    }

    if (set.spec?.updateStrategy?.type === 'OnDelete') return undefined;
    return rollPods(set, replicas, revisions, now);
  }

  /**
   * RollingUpdate: pods at or above the partition that are not at the update
   * revision are replaced from the highest index down, as many at a time as
   * maxUnavailable leaves room for once unavailable pods are counted (one by
   * default: each waits for the one before to be Running, Ready and available).
   */
  async function rollPods(set: StatefulSet, replicas: readonly (Pod | undefined)[], revisions: Revisions, now: number): Promise<number | undefined> {
    const rolling = set.spec?.updateStrategy?.rollingUpdate;
    const partition = Math.max(0, rolling?.partition ?? 0);
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    const maxUnavailable = Math.max(1, resolveIntOrPercent(rolling?.maxUnavailable, replicas.length, false, '1'));
    let unavailable = 0;
    let waitMs: number | undefined;
    for (const pod of replicas) {
      const availability = pod && !isTerminating(pod) ? runningAvailability(pod, minReadySeconds, now) : { available: false };
      if (availability.available) continue;
      unavailable += 1;
      if (availability.waitMs !== undefined) waitMs = Math.min(waitMs ?? Infinity, availability.waitMs);
    }
    let room = maxUnavailable - unavailable;
    for (let i = replicas.length - 1; i >= partition && room > 0; i--) {
      const pod = replicas[i];
      if (!pod || isTerminating(pod) || revisionOfPod(pod) === revisions.update.metadata.name) continue;
      await deletePod(set, pod);
      room -= 1;
    }
    return waitMs;
  }

  return {
    name: 'statefulset',
    async reconcile(key: string): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const set = await client.get<StatefulSet>(STATEFUL_SETS, namespace, name);
      // A set being deleted leaves its pods to the garbage collector.
      if (!set?.spec || isBeingDeleted(set)) return;
      const revisions = await revisionsOf(set);
      const waitMs = await syncPods(set, await claimPods(set), revisions);

      const pods = (await client.list<Pod>(PODS, { namespace, labelSelector: selectorToString(set.spec.selector) })).items.filter((p) => isControlledBy(p, set));
      const status = computeStatefulSetStatus(
        set,
        pods,
        { current: revisions.current.metadata.name, update: revisions.update.metadata.name },
        revisions.collisionCount,
        clock.now(),
      );
      if (!sameStatefulSetStatus(set.status, status)) await client.updateStatus<StatefulSet>(STATEFUL_SETS, { ...set, status: { ...(set.status ?? {}), ...status } });

      const live = new Set<string>([revisions.current.metadata.name, revisions.update.metadata.name]);
      for (const pod of pods) {
        const revision = revisionOfPod(pod);
        if (revision) live.add(revision);
      }
      await truncateHistory(client, revisions.all, live, set.spec.revisionHistoryLimit ?? 10);
      return waitMs !== undefined ? { requeueAfterMs: waitMs + 1 } : undefined;
    },
  };
}

function startOrdinal(set: StatefulSet): number {
  return Math.max(0, set.spec?.ordinals?.start ?? 0);
}

async function ignoreNotFound<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (err) {
    if (isApiError(err, 'NotFound')) return undefined;
    throw err;
  }
}
