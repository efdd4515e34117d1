// DaemonSet controller (apps/v1), after pkg/controller/daemon's syncDaemonSet:
// the current ControllerRevision, then `manage` (a pod for every node that
// should run one, none where it may not stay, one per node), then a
// RollingUpdate step (OnDelete leaves old pods until a user deletes them),
// old revisions trimmed, and the status. Pods are created unscheduled and
// pinned to their node by required node affinity; the default scheduler binds them.

import type { Client, Clock, DaemonSet, Node, ObjectInput, Pod } from '../api/index.ts';
import { DAEMON_SETS, NODES, PODS, isApiError, matchesSelector, systemClock } from '../api/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../runtime/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import { CONTROLLER_REVISION_HASH_LABEL, POD_TEMPLATE_GENERATION_LABEL, cleanupHistory, constructHistory } from './daemonset-history.ts';
import type { DaemonPodSpec } from './daemonset-placement.ts';
import { nodeShouldRunDaemonPod, pinnedAffinity, targetNodeOf, withDaemonTolerations } from './daemonset-placement.ts';
import { rollingLimits, rollingUpdateStep, templateGeneration } from './daemonset-rollout.ts';
import { computeDaemonSetStatus } from './daemonset-status.ts';
import { FailedPodBackoff } from './daemonset-backoff.ts';
import { splitKey } from './keys.ts';
import { generatedName } from './names.ts';
import { controllerOf, controllerRef } from './owner-refs.ts';

export interface DaemonSetReconcilerOptions {
  client: Client;
  clock?: Clock;
  recorder?: EventRecorder;
  /** Shared with nothing else; injectable so tests can read it. Default: one per reconciler. */
  failedPodBackoff?: FailedPodBackoff;
}

/** Scheduled pods first, then oldest first, ties by name (podByCreationTimestampAndPhase). */
function byScheduledThenAge(a: Pod, b: Pod): number {
  const scheduled = (p: Pod) => (p.spec?.nodeName ? 0 : 1);
  if (scheduled(a) !== scheduled(b)) return scheduled(a) - scheduled(b);
  const age = Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp);
  return age !== 0 ? age : a.metadata.name < b.metadata.name ? -1 : 1;
}

function groupByNode(pods: Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = targetNodeOf(pod);
    if (!node) continue;
    out.set(node, [...(out.get(node) ?? []), pod]);
  }
  return out;
}

export function createDaemonSetReconciler(options: DaemonSetReconcilerOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const recorder = options.recorder ?? createEventRecorder(client, 'daemonset-controller', undefined, clock);
  const failedPodBackoff = options.failedPodBackoff ?? new FailedPodBackoff(clock);

  /** The DaemonSet's pods: those it controls that its selector matches; matching orphans are adopted, strays released. */
  async function daemonPods(ds: DaemonSet): Promise<Pod[]> {
    const all = (await client.list<Pod>(PODS, { namespace: ds.metadata.namespace })).items;
    const out: Pod[] = [];
    for (const pod of all) {
      const matches = matchesSelector(pod.metadata.labels, ds.spec?.selector);
      const ref = controllerOf(pod.metadata);
      if (ref?.uid === ds.metadata.uid) {
        if (matches) out.push(pod);
        else await patchOwners(pod, (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== ds.metadata.uid));
      } else if (!ref && matches && !pod.metadata.deletionTimestamp) {
        out.push(await patchOwners(pod, [...(pod.metadata.ownerReferences ?? []), controllerRef(ds)]));
      }
    }
    return out;
  }

  async function patchOwners(pod: Pod, ownerReferences: NonNullable<Pod['metadata']['ownerReferences']>): Promise<Pod> {
    return client.patch<Pod>(PODS, pod.metadata.namespace, pod.metadata.name, 'merge', {
      metadata: { ownerReferences, resourceVersion: pod.metadata.resourceVersion },
    });
  }

  function podFor(ds: DaemonSet, nodeName: string, hash: string): ObjectInput {
    const template = ds.spec!.template;
    const spec = structuredClone(template.spec) as DaemonPodSpec;
    spec.tolerations = withDaemonTolerations(spec);
    spec.affinity = pinnedAffinity(spec.affinity, nodeName);
    const generation = templateGeneration(ds);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: generatedName(ds.metadata.name),
        generateName: `${ds.metadata.name}-`,
        namespace: ds.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash, ...(generation ? { [POD_TEMPLATE_GENERATION_LABEL]: generation } : {}) },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [controllerRef(ds)],
      },
      spec,
    };
  }

  async function syncNodes(ds: DaemonSet, toDelete: Pod[], nodesNeedingPods: string[], hash: string): Promise<void> {
    await Promise.all(
      nodesNeedingPods.map(async (node) => {
        try {
          const created = await client.create<Pod>(PODS, podFor(ds, node, hash));
          recorder.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        } catch (err) {
          recorder.record(ds, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
          throw err;
        }
      }),
    );
    await Promise.all(
      toDelete.map(async (pod) => {
        try {
          await client.delete(PODS, pod.metadata.namespace, pod.metadata.name);
          recorder.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          if (!isApiError(err, 'NotFound')) throw err;
        }
      }),
    );
  }

  /** What `manage` changes: nodes missing their pod, pods that must go, and when failed pods held back may go. */
  function manage(ds: DaemonSet, nodes: Node[], podsByNode: Map<string, Pod[]>, hash: string): { toDelete: Pod[]; toCreate: string[]; retryInMs?: number } {
    const toDelete: Pod[] = [];
    const toCreate: string[] = [];
    let retryInMs: number | undefined;
    const surge = ds.spec?.updateStrategy?.type === 'RollingUpdate' && rollingLimits(ds, nodes.length).maxSurge > 0;
    for (const node of nodes) {
      const name = node.metadata.name;
      const pods = podsByNode.get(name) ?? [];
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      if (shouldRun && pods.length === 0) toCreate.push(name);
      else if (shouldContinueRunning) {
        const running: Pod[] = [];
        for (const pod of pods) {
          if (pod.metadata.deletionTimestamp) continue;
          if (pod.status?.phase === 'Failed') {
            const backoffKey = `${ds.metadata.uid}/${ds.status?.observedGeneration ?? 0}/${name}`;
            const wait = failedPodBackoff.waitMs(backoffKey);
            if (wait > 0) {
              retryInMs = Math.min(retryInMs ?? Infinity, wait);
              continue;
            }
            failedPodBackoff.next(backoffKey);
            recorder.record(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${name}, will try to kill it`);
            toDelete.push(pod);
          } else if (pod.status?.phase === 'Succeeded') toDelete.push(pod);
          else running.push(pod);
        }
        running.sort(byScheduledThenAge);
        if (surge) {
          // During a surge a node holds the oldest old pod and the oldest new one.
          let keptNew = false;
          let keptOld = false;
          for (const pod of running) {
            const isNew = pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
            if (isNew && !keptNew) keptNew = true;
            else if (!isNew && !keptOld) keptOld = true;
            else toDelete.push(pod);
          }
        } else toDelete.push(...running.slice(1));
      } else toDelete.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
    }
    // Unscheduled pods meant for a node that no longer exists (bound ones are left to pod GC).
    const names = new Set(nodes.map((n) => n.metadata.name));
    for (const [node, pods] of podsByNode) {
      if (!names.has(node)) toDelete.push(...pods.filter((p) => !p.spec?.nodeName && !p.metadata.deletionTimestamp));
    }
    return { toDelete, toCreate, ...(retryInMs !== undefined ? { retryInMs } : {}) };
  }

  return {
    name: 'daemonset',
    async reconcile(key): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const ds = await client.get<DaemonSet>(DAEMON_SETS, namespace, name);
      if (!ds?.spec || ds.metadata.deletionTimestamp) return;
      const nodes = (await client.list<Node>(NODES)).items;
      const { old, hash } = await constructHistory(client, ds);

      const managed = manage(ds, nodes, groupByNode(await daemonPods(ds)), hash);
      await syncNodes(ds, managed.toDelete, managed.toCreate, hash);

      let pods = await daemonPods(ds);
      if (ds.spec.updateStrategy?.type !== 'OnDelete') {
        const desired = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).length;
        const step = rollingUpdateStep(ds, groupByNode(pods), desired, hash, clock.now());
        if (step.podsToDelete.length || step.nodesNeedingPods.length) {
          await syncNodes(ds, step.podsToDelete, step.nodesNeedingPods, hash);
          pods = await daemonPods(ds);
        }
      }
      await cleanupHistory(client, ds, old, pods);

      const { status, availableInMs } = computeDaemonSetStatus(ds, nodes, groupByNode(pods), hash, clock.now());
      if (JSON.stringify(status) !== JSON.stringify(ds.status ?? {})) await client.updateStatus(DAEMON_SETS, { ...ds, status });
      const requeueAfterMs = Math.min(availableInMs !== undefined ? availableInMs + 1 : Infinity, managed.retryInMs ?? Infinity);
      return Number.isFinite(requeueAfterMs) ? { requeueAfterMs } : undefined;
    },
  };
}
