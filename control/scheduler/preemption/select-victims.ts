// DefaultPreemption's pure part, after kube-scheduler's: on each node where
// the pod failed for a reason preemption can fix, remove every lower-priority
// pod, check the pod then fits, and give back (reprieve) as many of them as
// still leave room — the most important first, PodDisruptionBudget-protected
// ones before the rest — so the victims are as few and as unimportant as
// possible. Then one candidate node is picked by kube-scheduler's criteria.

import type { LabelSelector, Pod } from '../../api/index.ts';
import { matchesSelector, podPriority } from '../../api/index.ts';
import type { NodeStatusMap } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';

/** What preemption reads of a PodDisruptionBudget. */
export interface DisruptionBudget {
  namespace: string;
  selector?: LabelSelector;
  disruptionsAllowed: number;
}

export interface Candidate {
  node: string;
  victims: Pod[];
  /** Victims whose eviction a PodDisruptionBudget does not allow. */
  pdbViolations: number;
}

/** True when `pod` fits on `node`, given the whole snapshot with `node` substituted. */
export type FitCheck = (pod: Pod, node: NodeInfo) => boolean;

function startTime(pod: Pod): number {
  return Date.parse(pod.status?.startTime ?? pod.metadata.creationTimestamp) || 0;
}

/** kube-scheduler's MoreImportantPod: higher priority, then started earlier. */
function moreImportant(a: Pod, b: Pod): number {
  return podPriority(b) - podPriority(a) || startTime(a) - startTime(b);
}

function splitByBudget(pods: readonly Pod[], budgets: readonly DisruptionBudget[]): { violating: Pod[]; nonViolating: Pod[] } {
  const allowed = budgets.map((b) => b.disruptionsAllowed);
  const violating: Pod[] = [];
  const nonViolating: Pod[] = [];
  for (const pod of pods) {
    let violates = false;
    budgets.forEach((b, i) => {
      // policy/v1: an empty selector selects every pod of the namespace; no selector selects none.
      if (b.namespace !== (pod.metadata.namespace ?? 'default') || !b.selector) return;
      if (!matchesSelector(pod.metadata.labels, b.selector)) return;
      allowed[i]! -= 1;
      if (allowed[i]! < 0) violates = true;
    });
    (violates ? violating : nonViolating).push(pod);
  }
  return { violating, nonViolating };
}

export function selectVictimsOnNode(pod: Pod, node: NodeInfo, fits: FitCheck, budgets: readonly DisruptionBudget[]): Candidate | undefined {
  const priority = podPriority(pod);
  const trial = node.clone();
  const lower = [...trial.pods.values()].filter((p) => podPriority(p) < priority);
  if (lower.length === 0) return undefined;
  for (const p of lower) trial.removePod(p.metadata.uid);
  if (!fits(pod, trial)) return undefined;
  lower.sort(moreImportant);
  const { violating, nonViolating } = splitByBudget(lower, budgets);
  const victims: Pod[] = [];
  let pdbViolations = 0;
  const reprieve = (p: Pod, isViolating: boolean) => {
    trial.addPod(p);
    if (fits(pod, trial)) return;
    trial.removePod(p.metadata.uid);
    victims.push(p);
    if (isViolating) pdbViolations += 1;
  };
  for (const p of violating) reprieve(p, true);
  for (const p of nonViolating) reprieve(p, false);
  victims.sort(moreImportant);
  return { node: node.name, victims, pdbViolations };
}

/** Nodes worth trying: those that failed with a status preemption can change (not UnschedulableAndUnresolvable). */
export function findCandidates(
  pod: Pod,
  nodes: readonly NodeInfo[],
  failures: NodeStatusMap,
  fits: FitCheck,
  budgets: readonly DisruptionBudget[],
  limit = Infinity,
): Candidate[] {
  const candidates: Candidate[] = [];
  for (const node of nodes) {
    if (candidates.length >= limit) break;
    const status = failures.get(node.name);
    if (!status || status.code !== 'Unschedulable') continue;
    const candidate = selectVictimsOnNode(pod, node, fits, budgets);
    if (candidate) candidates.push(candidate);
  }
  return candidates;
}

/**
 * kube-scheduler's pickOneNodeForPreemption: fewest PDB violations, then the lowest
 * highest-priority victim, the smallest priority sum, the fewest victims, the latest start
 * among the highest-priority victims; then the first.
 */
export function pickCandidate(candidates: readonly Candidate[]): Candidate | undefined {
  const criteria: ((c: Candidate) => number)[] = [
    (c) => c.pdbViolations,
    (c) => (c.victims[0] ? podPriority(c.victims[0]) : -Infinity),
    // Offset as kube-scheduler does, so negative priorities still add up to "more victims, more cost".
    (c) => c.victims.reduce((sum, v) => sum + podPriority(v) + 2 ** 31, 0),
    (c) => c.victims.length,
    (c) => {
      const top = c.victims[0] ? podPriority(c.victims[0]) : 0;
      return -Math.min(...c.victims.filter((v) => podPriority(v) === top).map(startTime));
    },
  ];
  let remaining = [...candidates];
  for (const score of criteria) {
    if (remaining.length <= 1) break;
    const best = Math.min(...remaining.map(score));
    remaining = remaining.filter((c) => score(c) === best);
  }
  return remaining[0];
}
