// One scheduling cycle over a snapshot of nodes: PreFilter, Filter nodes,
// PreScore and Score the feasible ones, pick the best (ties broken at
// random, as kube-scheduler does). Pure and synchronous; PostFilter,
// Reserve, Permit and binding are the caller's (scheduler.ts).
//
// As kube-scheduler does on big clusters, filtering stops once enough
// feasible nodes were found (all of them below 100 nodes; 50% minus 1% per
// 125 nodes above, at least 5% and 100 nodes), starting where the previous
// cycle stopped so every node gets its turn. When nothing fits, every node
// has been checked, so the failure message counts them all.

import type { Pod } from '../api/index.ts';
import { podPriority } from '../api/index.ts';
import type { CycleState, PreFilterStatus, Profile, Status } from './framework.ts';
import { isSuccess, unresolvable } from './framework.ts';
import { formatFitError } from './fit-error.ts';
import type { NodeFailure } from './fit-error.ts';
import type { NodeInfo } from './node-info.ts';

export type ScheduleResult =
  | { ok: true; node: string; feasibleNodes: number; scores: Map<string, number>; nextStartIndex: number }
  | { ok: false; message: string; failures: NodeFailure[]; nextStartIndex: number };

/** A cycle's result with what the later stages need: the cycle state, and each rejected node's status (for PostFilter). */
export interface SchedulingCycle {
  result: ScheduleResult;
  state: CycleState;
  statuses: Map<string, Status>;
}

export interface ScheduleOptions {
  /** Tie-break source; default Math.random. */
  random?: () => number;
  /** Index of the node to start filtering at (the previous cycle's nextStartIndex). */
  startIndex?: number;
  /** Fixed share of nodes to find feasible, 1..100; default the profile's, else adaptive, as kube-scheduler. */
  percentageOfNodesToScore?: number;
  /**
   * Pods nominated to nodes by an earlier preemption, by node name. Those of equal or higher
   * priority count as already there, so the room freed for them is not taken by others.
   */
  nominatedPods?: ReadonlyMap<string, readonly Pod[]>;
}

const MIN_FEASIBLE_NODES = 100;
const MIN_FEASIBLE_PERCENTAGE = 5;

/** How many feasible nodes are enough (kube-scheduler's numFeasibleNodesToFind). */
export function feasibleNodesToFind(total: number, percentage?: number): number {
  if (total < MIN_FEASIBLE_NODES || percentage === 100) return total;
  let pct = percentage && percentage > 0 ? percentage : 50 - Math.floor(total / 125);
  if (pct < MIN_FEASIBLE_PERCENTAGE) pct = MIN_FEASIBLE_PERCENTAGE;
  return Math.max(MIN_FEASIBLE_NODES, Math.floor((total * pct) / 100));
}

export function newCycleState(nodes: readonly NodeInfo[]): CycleState {
  return { nodes, data: new Map(), skipFilter: new Set(), skipScore: new Set() };
}

/** Runs the PreFilter plugins; a non-success status ends the cycle, `nodeNames` narrows it. */
export function runPreFilters(profile: Profile, pod: Pod, state: CycleState): { status: Status; nodeNames?: Set<string>; narrowedBy: string[] } {
  let nodeNames: Set<string> | undefined;
  const narrowedBy: string[] = [];
  for (const p of profile.preFilters) {
    const status: PreFilterStatus = p.preFilter(pod, state);
    if (status.code === 'Skip') {
      state.skipFilter?.add(p.name);
      continue;
    }
    if (!isSuccess(status)) return { status: { ...status, plugin: p.name }, narrowedBy };
    if (status.nodeNames) {
      narrowedBy.push(p.name);
      nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => status.nodeNames!.has(n))) : new Set(status.nodeNames);
    }
  }
  return { status: { code: 'Success', reasons: [] }, ...(nodeNames ? { nodeNames } : {}), narrowedBy };
}

/** Runs the Filter plugins on one node; the first rejection wins and names its plugin. */
export function runFilters(profile: Profile, pod: Pod, node: NodeInfo, state: CycleState): Status | undefined {
  for (const f of profile.filters) {
    if (state.skipFilter?.has(f.name)) continue;
    const status = f.filter(pod, node, state);
    if (!isSuccess(status)) return { ...status, plugin: f.name };
  }
  return undefined;
}

/** The node with the nominated pods that outrank (or equal) `pod` added, or the node itself when there are none. */
function withNominated(node: NodeInfo, pod: Pod, nominated: ScheduleOptions['nominatedPods']): NodeInfo {
  const others = nominated?.get(node.name)?.filter((p) => p.metadata.uid !== pod.metadata.uid && podPriority(p) >= podPriority(pod));
  if (!others?.length) return node;
  const copy = node.clone();
  for (const p of others) copy.addPod({ ...p, spec: { ...p.spec!, nodeName: node.name } });
  return copy;
}

export function schedulePod(profile: Profile, pod: Pod, nodes: readonly NodeInfo[], options: ScheduleOptions = {}): ScheduleResult {
  return runSchedulingCycle(profile, pod, nodes, options).result;
}

export function runSchedulingCycle(profile: Profile, pod: Pod, nodes: readonly NodeInfo[], options: ScheduleOptions = {}): SchedulingCycle {
  const random = options.random ?? Math.random;
  const start = nodes.length ? (options.startIndex ?? 0) % nodes.length : 0;
  const state = newCycleState(nodes);
  const statuses = new Map<string, Status>();
  const pre = runPreFilters(profile, pod, state);
  if (!isSuccess(pre.status)) {
    // kube-scheduler's FitError names a PreFilter's reason once, not counted per node:
    // `0/3 nodes are available: persistentvolumeclaim "x" not found.`
    const message = nodes.length === 0 ? formatFitError(0, []) : `0/${nodes.length} nodes are available: ${pre.status.reasons.join(', ')}.`;
    return { result: { ok: false, message, failures: [], nextStartIndex: start }, state, statuses };
  }

  const feasible: NodeInfo[] = [];
  const failures: NodeFailure[] = [];
  const enough = feasibleNodesToFind(nodes.length, options.percentageOfNodesToScore ?? profile.percentageOfNodesToScore);
  const excluded = pre.nodeNames ? unresolvable(`node(s) didn't satisfy plugin(s) [${pre.narrowedBy.join(', ')}]`) : undefined;
  let processed = 0;
  for (; processed < nodes.length && feasible.length < enough; processed++) {
    const node = nodes[(start + processed) % nodes.length]!;
    const failed = pre.nodeNames && !pre.nodeNames.has(node.name)
      ? excluded
      : runFilters(profile, pod, options.nominatedPods ? withNominated(node, pod, options.nominatedPods) : node, state);
    if (failed) {
      failures.push({ node: node.name, reasons: failed.reasons });
      statuses.set(node.name, failed);
    } else feasible.push(node);
  }
  const nextStartIndex = nodes.length ? (start + processed) % nodes.length : 0;
  if (feasible.length === 0) return { result: { ok: false, message: formatFitError(nodes.length, failures), failures, nextStartIndex }, state, statuses };

  const totals = new Array<number>(feasible.length).fill(0);
  if (feasible.length > 1) {
    for (const p of profile.preScores ?? []) {
      const status = p.preScore(pod, feasible, state);
      if (status.code === 'Skip') state.skipScore?.add(p.name);
      else if (!isSuccess(status)) throw new Error(`control/scheduler: PreScore plugin ${p.name}: ${status.reasons.join(', ')}`);
    }
    for (const plugin of profile.scores) {
      if (state.skipScore?.has(plugin.name)) continue;
      const scores = feasible.map((n) => plugin.score(pod, n, state));
      plugin.normalize?.(scores);
      const weight = profile.scoreWeights?.get(plugin.name) ?? plugin.weight ?? 1;
      for (let i = 0; i < scores.length; i++) totals[i]! += scores[i]! * weight;
    }
  }
  let best = 0;
  let ties = 1;
  for (let i = 1; i < feasible.length; i++) {
    if (totals[i]! > totals[best]!) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best]) {
      ties += 1;
      if (random() * ties < 1) best = i;
    }
  }
  const result: ScheduleResult = { ok: true, node: feasible[best]!.name, feasibleNodes: feasible.length, scores: new Map(feasible.map((n, i) => [n.name, totals[i]!])), nextStartIndex };
  return { result, state, statuses };
}
