// InterPodAffinity (required terms): a pod with podAffinity needs a matching
// pod in the node's topology domain; with podAntiAffinity it must find none.
// Anti-affinity is symmetric: an assigned pod whose anti-affinity term
// matches the incoming pod keeps it out of that pod's domain too.

import type { Pod } from '../../api/index.ts';
import { matchesSelector } from '../../api/index.ts';
import type { CycleState, FilterPlugin, PodAffinityTerm, PreFilterPlugin } from '../framework.ts';
import { SKIP, SUCCESS, nodeLabels, schedulingSpec, unschedulable } from '../framework.ts';

export const ERR_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

interface AffinityState {
  /** Per required affinity term: topology values holding a matching pod. */
  affinityDomains: Set<string>[];
  /** True when no pod anywhere matches the affinity terms but the pod matches its own (the first pod of a group). */
  selfMatchAllowed: boolean;
  /** `topologyKey=value` pairs the pod must avoid (its own terms and assigned pods' terms). */
  forbidden: Set<string>;
}

const STATE_KEY = 'InterPodAffinity';

function termMatchesPod(term: PodAffinityTerm, owner: Pod, candidate: Pod): boolean {
  const namespaces = term.namespaces?.length ? term.namespaces : [owner.metadata.namespace ?? 'default'];
  if (!namespaces.includes(candidate.metadata.namespace ?? 'default')) return false;
  return term.labelSelector !== undefined && matchesSelector(candidate.metadata.labels, term.labelSelector);
}

function computeState(pod: Pod, state: CycleState): AffinityState {
  const spec = schedulingSpec(pod);
  const affinityTerms = spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const antiTerms = spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const affinityDomains = affinityTerms.map(() => new Set<string>());
  const forbidden = new Set<string>();
  let anyAffinityMatch = false;
  for (const node of state.nodes) {
    const labels = nodeLabels(node);
    if (affinityTerms.length > 0 || antiTerms.length > 0) {
      for (const other of node.pods.values()) {
        affinityTerms.forEach((term, i) => {
          if (labels[term.topologyKey] !== undefined && termMatchesPod(term, pod, other)) {
            affinityDomains[i]!.add(labels[term.topologyKey]!);
            anyAffinityMatch = true;
          }
        });
        for (const term of antiTerms) {
          if (labels[term.topologyKey] !== undefined && termMatchesPod(term, pod, other)) forbidden.add(`${term.topologyKey}=${labels[term.topologyKey]}`);
        }
      }
    }
    for (const uid of node.podsWithAntiAffinity) {
      const other = node.pods.get(uid);
      if (!other) continue;
      for (const term of schedulingSpec(other).affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
        if (labels[term.topologyKey] !== undefined && termMatchesPod(term, other, pod)) forbidden.add(`${term.topologyKey}=${labels[term.topologyKey]}`);
      }
    }
  }
  const selfMatchAllowed = !anyAffinityMatch && affinityTerms.length > 0 && affinityTerms.every((t) => termMatchesPod(t, pod, pod));
  return { affinityDomains, selfMatchAllowed, forbidden };
}

export const interPodAffinity: PreFilterPlugin & FilterPlugin = {
  name: 'InterPodAffinity',
  preFilter(pod, state) {
    const spec = schedulingSpec(pod);
    const ownTerms = (spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) + (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0);
    // Nothing to check when neither this pod nor any assigned pod has required terms.
    if (ownTerms === 0 && !state.nodes.some((n) => n.podsWithAntiAffinity.size > 0)) return SKIP;
    state.data.set(STATE_KEY, computeState(pod, state));
    return SUCCESS;
  },
  filter(pod, node, state) {
    const s = state.data.get(STATE_KEY) as AffinityState | undefined;
    if (!s) return SUCCESS;
    const labels = nodeLabels(node);
    if (s.forbidden.size > 0) {
      for (const [key, value] of Object.entries(labels)) if (s.forbidden.has(`${key}=${value}`)) return unschedulable(ERR_ANTI_AFFINITY);
    }
    const terms = schedulingSpec(pod).affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    if (terms.length === 0) return SUCCESS;
    if (s.selfMatchAllowed) return terms.every((t) => labels[t.topologyKey] !== undefined) ? SUCCESS : unschedulable(ERR_AFFINITY);
    for (let i = 0; i < terms.length; i++) {
      const value = labels[terms[i]!.topologyKey];
      if (value === undefined || !s.affinityDomains[i]!.has(value)) return unschedulable(ERR_AFFINITY);
    }
    return SUCCESS;
  },
};
