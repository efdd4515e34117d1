// DefaultPreemption (PostFilter): when no node fits, find nodes where evicting
// lower-priority pods makes room (preemption/select-victims.ts), pick one,
// and make room as kube-scheduler does: each victim gets condition
// DisruptionTarget (reason PreemptionByScheduler) and a `Preempted` event and
// is deleted gracefully (its terminationGracePeriodSeconds applies); lower
// pods nominated to that node lose the nomination; the preemptor is
// nominated to the node (status.nominatedNodeName) and is scheduled once the
// victims are gone. PodDisruptionBudgets count when that kind is served.

import type { KubeObject, LabelSelector, Pod } from '../../api/index.ts';
import { PODS, isApiError, nominatedNodeName, podPreemptionPolicy, podPriority, resourceTypeForName } from '../../api/index.ts';
import type { FrameworkHandle, NodeStatusMap, PostFilterPlugin, PostFilterResult } from '../framework.ts';
import { isSuccess, unschedulable } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { findCandidates, pickCandidate } from '../preemption/select-victims.ts';
import type { Candidate, DisruptionBudget } from '../preemption/select-victims.ts';

export interface DefaultPreemptionArgs {
  /** Share of nodes to find candidates on before choosing (kube-scheduler default 10). */
  minCandidateNodesPercentage: number;
  /** At least this many candidates, if the cluster has them (default 100). */
  minCandidateNodesAbsolute: number;
}

export const DEFAULT_PREEMPTION_ARGS: DefaultPreemptionArgs = { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 };

export const ERR_PREEMPTION_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const ERR_TERMINATING_ON_NOMINATED = 'not eligible due to a terminating pod on the nominated node.';
export const ERR_NO_VICTIMS = 'No preemption victims found for incoming pod.';

type PdbObject = KubeObject<{ selector?: LabelSelector }, { disruptionsAllowed?: number }>;

/** PodDisruptionBudgets of the pod's namespace, when the kind is served (another part of meshlet adds it). */
async function disruptionBudgets(handle: FrameworkHandle, namespace: string): Promise<DisruptionBudget[]> {
  const type = resourceTypeForName('poddisruptionbudgets');
  if (!type) return [];
  const list = await handle.client.list<PdbObject>(type, { namespace });
  return list.items.map((p) => ({ namespace, selector: p.spec?.selector, disruptionsAllowed: p.status?.disruptionsAllowed ?? 0 }));
}

function eligible(pod: Pod, nodes: readonly NodeInfo[], failures: NodeStatusMap): string | undefined {
  if (podPreemptionPolicy(pod) === 'Never') return ERR_PREEMPTION_NEVER;
  const nominated = nominatedNodeName(pod);
  if (!nominated || failures.get(nominated)?.code === 'UnschedulableAndUnresolvable') return undefined;
  const node = nodes.find((n) => n.name === nominated);
  const priority = podPriority(pod);
  for (const p of node?.pods.values() ?? []) if (p.metadata.deletionTimestamp && podPriority(p) < priority) return ERR_TERMINATING_ON_NOMINATED;
  return undefined;
}

export function defaultPreemption(handle: FrameworkHandle, args: DefaultPreemptionArgs = DEFAULT_PREEMPTION_ARGS): PostFilterPlugin {
  const evict = async (pod: Pod, candidate: Candidate) => {
    const now = new Date(handle.clock.now()).toISOString();
    const schedulerName = pod.spec?.schedulerName ?? handle.schedulerName;
    for (const victim of candidate.victims) {
      const { namespace, name } = victim.metadata;
      try {
        await handle.client.patch(PODS, namespace, name, 'strategic', {
          status: {
            conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: `${schedulerName}: preempting to accommodate a higher priority pod`, lastTransitionTime: now }],
          },
        }, { subresource: 'status' });
        await handle.client.delete(PODS, namespace, name);
      } catch (err) {
        // A victim that is gone already made its room.
        if (!isApiError(err, 'NotFound')) throw err;
        continue;
      }
      handle.recorder.record(victim, 'Normal', 'Preempted', `Preempted by pod ${pod.metadata.uid} on node ${candidate.node}`);
    }
    // Lower-priority pods nominated here would not fit any more; they look again.
    for (const other of handle.nominatedPods(candidate.node)) {
      if (other.metadata.uid === pod.metadata.uid || podPriority(other) >= podPriority(pod)) continue;
      await handle.client.patch(PODS, other.metadata.namespace, other.metadata.name, 'merge', { status: { nominatedNodeName: null } }, { subresource: 'status' }).catch((err: unknown) => {
        if (!isApiError(err, 'NotFound')) throw err;
      });
    }
  };

  return {
    name: 'DefaultPreemption',
    async postFilter(pod, _state, failures): Promise<PostFilterResult> {
      const nodes = handle.nodes();
      const notEligible = eligible(pod, nodes, failures);
      if (notEligible) return { status: unschedulable(notEligible) };
      const fits = (p: Pod, trial: NodeInfo) => isSuccess(handle.runFilters(p, trial, nodes.map((n) => (n.name === trial.name ? trial : n))));
      const budgets = await disruptionBudgets(handle, pod.metadata.namespace ?? 'default');
      const limit = Math.min(nodes.length, Math.max(Math.floor((nodes.length * args.minCandidateNodesPercentage) / 100), args.minCandidateNodesAbsolute));
      const chosen = pickCandidate(findCandidates(pod, nodes, failures, fits, budgets, limit));
      if (!chosen) return { status: unschedulable(ERR_NO_VICTIMS) };
      await evict(pod, chosen);
      return { status: { code: 'Success', reasons: [] }, nominatedNodeName: chosen.node };
    },
  };
}
