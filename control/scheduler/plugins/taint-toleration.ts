// TaintToleration: NoSchedule / NoExecute taints keep out pods that do not
// tolerate them; PreferNoSchedule taints only lower the node's score.

import type { NodeSpec, PodSpec } from '../../api/index.ts';
import type { FilterPlugin, ScorePlugin } from '../framework.ts';
import { SUCCESS, schedulingSpec, unschedulable } from '../framework.ts';

type Taint = NonNullable<NodeSpec['taints']>[number];
type Toleration = NonNullable<PodSpec['tolerations']>[number];

export function tolerates(t: Toleration, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/** kube-scheduler's wording: `node(s) had untolerated taint {key: value}`. */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

export const taintToleration: FilterPlugin & ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  filter(pod, node) {
    const tolerations = schedulingSpec(pod).tolerations ?? [];
    for (const taint of node.node.spec?.taints ?? []) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!tolerations.some((t) => tolerates(t, taint))) return unschedulable(untoleratedTaintReason(taint));
    }
    return SUCCESS;
  },
  score(pod, node) {
    const tolerations = schedulingSpec(pod).tolerations ?? [];
    return (node.node.spec?.taints ?? []).filter((taint) => taint.effect === 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint))).length;
  },
  normalize(scores) {
    // Fewer intolerable PreferNoSchedule taints is better.
    const max = Math.max(0, ...scores);
    for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? 100 : 100 - (scores[i]! * 100) / max;
  },
};
