// Taint-based eviction (kube-controller-manager's taint eviction controller,
// formerly the NoExecute taint manager). A pod on a node with NoExecute taints
// is deleted at once if it does not tolerate one of them, and otherwise when
// the shortest tolerationSeconds of the tolerations it uses runs out; a pod
// whose matching tolerations have no tolerationSeconds stays for good.
//
// Kubernetes counts from when the manager first saw the taint, in memory; here
// the count starts at the taint's timeAdded (set by node-lifecycle.ts), so the
// reconciler keeps no state and a restarted control plane evicts on time.

import type { Client, Clock, Node, Pod, Taint, Toleration } from '../api/index.ts';
import { NODES, PODS, isApiError, systemClock } from '../api/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../runtime/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import { tolerates } from '../scheduler/index.ts';
import { splitKey } from './keys.ts';

export interface TaintEvictionOptions {
  client: Client;
  clock?: Clock;
  events?: EventRecorder;
}

export function createTaintEvictionReconciler(options: TaintEvictionOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const events = options.events ?? createEventRecorder(client, 'taint-eviction-controller', undefined, clock);
  return {
    name: 'taint-eviction',
    async reconcile(key): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const pod = await client.get<Pod>(PODS, namespace, name);
      const nodeName = pod?.spec?.nodeName;
      if (!pod || !nodeName || pod.metadata.deletionTimestamp) return;
      const node = await client.get<Node>(NODES, undefined, nodeName);
      const taints = (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
      if (!taints.length) return;
      const evictAt = evictionTimeMs(taints, pod.spec?.tolerations ?? [], clock.now());
      if (evictAt === undefined) return;
      const waitMs = evictAt - clock.now();
      if (waitMs > 0) return { requeueAfterMs: waitMs };
      events.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
      try {
        // A graceful delete, as Kubernetes does: a node agent that comes back finishes it; the
        // pod's controller replaces it at once, since a pod being deleted no longer counts.
        await client.delete(PODS, namespace, name);
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    },
  };
}

/**
 * When the pod must go (ms since the epoch), or undefined when it may stay forever.
 * An untolerated taint means now. Otherwise the shortest tolerationSeconds among the
 * tolerations that match the taints (≤ 0 means now), counted from the oldest taint's timeAdded
 * (Kubernetes keeps the start of an eviction already scheduled when another taint appears).
 */
export function evictionTimeMs(taints: readonly Taint[], tolerations: readonly Toleration[], nowMs: number): number | undefined {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (!matching.length) return nowMs;
    used.push(...matching);
  }
  const limits = used.map((t) => t.tolerationSeconds).filter((s): s is number => typeof s === 'number');
  if (!limits.length) return undefined;
  const seconds = Math.min(...limits);
  if (seconds <= 0) return nowMs;
  const added = taints.map((t) => (t.timeAdded ? Date.parse(t.timeAdded) : NaN)).filter((t) => !Number.isNaN(t));
  const since = added.length ? Math.min(...added) : nowMs;
  return since + seconds * 1000;
}
