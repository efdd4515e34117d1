// NodeAffinity: spec.nodeSelector and required node affinity terms filter
// nodes; preferred terms add their weights to the score.

import type { Labels } from '../../api/index.ts';
import type { FilterPlugin, NodeSelectorRequirement, NodeSelectorTerm, ScorePlugin } from '../framework.ts';
import { SUCCESS, nodeLabels, schedulingSpec, unresolvable } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';

export const ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && (r.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(r.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(r.values?.[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(r.values?.[0]);
  }
}

/** A term matches when all its expressions and fields match; an empty term matches nothing. */
export function termMatches(term: NodeSelectorTerm, labels: Labels, nodeName: string): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return (
    exprs.every((r) => requirementMatches(r, labels[r.key])) &&
    fields.every((r) => requirementMatches(r, r.key === 'metadata.name' ? nodeName : undefined))
  );
}

export function nodeMatchesRequired(pod: Parameters<FilterPlugin['filter']>[0], node: NodeInfo): boolean {
  const spec = schedulingSpec(pod);
  const labels = nodeLabels(node);
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !required.nodeSelectorTerms.some((t) => termMatches(t, labels, node.name))) return false;
  return true;
}

export const nodeAffinity: FilterPlugin & ScorePlugin = {
  name: 'NodeAffinity',
  weight: 2,
  filter(pod, node) {
    return nodeMatchesRequired(pod, node) ? SUCCESS : unresolvable(ERR_NODE_AFFINITY);
  },
  score(pod, node) {
    const preferred = schedulingSpec(pod).affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    let sum = 0;
    for (const p of preferred) if (termMatches(p.preference, nodeLabels(node), node.name)) sum += p.weight;
    return sum;
  },
  normalize(scores) {
    const max = Math.max(0, ...scores);
    for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? 0 : (scores[i]! * 100) / max;
  },
};
