// PodTopologySpread: with whenUnsatisfiable DoNotSchedule, placing the pod
// must not make (matching pods in a domain) - (fewest in any domain) exceed
// maxSkew; ScheduleAnyway constraints only score (emptier domains first).

import { matchesSelector } from '../../api/index.ts';
import type { Pod } from '../../api/index.ts';
import type { CycleState, FilterPlugin, PreFilterPlugin, ScorePlugin, TopologySpreadConstraint } from '../framework.ts';
import { SKIP, SUCCESS, nodeLabels, schedulingSpec, unresolvable, unschedulable } from '../framework.ts';
import { nodeMatchesRequired } from './node-affinity.ts';

export const ERR_TOPOLOGY_SPREAD = "node(s) didn't match pod topology spread constraints";
export const ERR_TOPOLOGY_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";

const STATE_KEY = 'PodTopologySpread';

/** Per constraint: matching-pod count per domain value, over nodes the pod could go to. */
type SpreadState = Map<string, number>[];

function countDomains(pod: Pod, constraints: readonly TopologySpreadConstraint[], state: CycleState): SpreadState {
  const ns = pod.metadata.namespace ?? 'default';
  return constraints.map((c) => {
    const counts = new Map<string, number>();
    for (const node of state.nodes) {
      const value = nodeLabels(node)[c.topologyKey];
      if (value === undefined || !nodeMatchesRequired(pod, node)) continue;
      let n = counts.get(value) ?? 0;
      for (const other of node.pods.values()) {
        if (c.labelSelector && (other.metadata.namespace ?? 'default') === ns && matchesSelector(other.metadata.labels, c.labelSelector)) n += 1;
      }
      counts.set(value, n);
    }
    return counts;
  });
}

function spreadState(pod: Pod, state: CycleState): SpreadState {
  let s = state.data.get(STATE_KEY) as SpreadState | undefined;
  if (!s) state.data.set(STATE_KEY, (s = countDomains(pod, schedulingSpec(pod).topologySpreadConstraints ?? [], state)));
  return s;
}

export const podTopologySpread: PreFilterPlugin & FilterPlugin & ScorePlugin = {
  name: 'PodTopologySpread',
  weight: 2,
  preFilter(pod, state) {
    if ((schedulingSpec(pod).topologySpreadConstraints ?? []).length === 0) return SKIP;
    spreadState(pod, state);
    return SUCCESS;
  },
  filter(pod, node, state) {
    const constraints = schedulingSpec(pod).topologySpreadConstraints ?? [];
    if (constraints.length === 0) return SUCCESS;
    const counts = spreadState(pod, state);
    const labels = nodeLabels(node);
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      if (c.whenUnsatisfiable !== 'DoNotSchedule') continue;
      const value = labels[c.topologyKey];
      if (value === undefined) return unresolvable(ERR_TOPOLOGY_LABEL);
      const domain = counts[i]!;
      const min = domain.size === 0 ? 0 : Math.min(...domain.values());
      const selfMatch = c.labelSelector && matchesSelector(pod.metadata.labels, c.labelSelector) ? 1 : 0;
      if ((domain.get(value) ?? 0) + selfMatch - min > c.maxSkew) return unschedulable(ERR_TOPOLOGY_SPREAD);
    }
    return SUCCESS;
  },
  score(pod, node, state) {
    const constraints = schedulingSpec(pod).topologySpreadConstraints ?? [];
    if (constraints.length === 0) return 0;
    const counts = spreadState(pod, state);
    let sum = 0;
    constraints.forEach((c, i) => {
      const value = nodeLabels(node)[c.topologyKey];
      sum += value === undefined ? 0 : (counts[i]!.get(value) ?? 0);
    });
    return sum;
  },
  normalize(scores) {
    // Fewer matching pods in the node's domains is better.
    const max = Math.max(0, ...scores);
    for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? 100 : 100 - (scores[i]! * 100) / max;
  },
};
