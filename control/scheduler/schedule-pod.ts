// One scheduling cycle over a snapshot of nodes: pre-filter, filter nodes,
// score the feasible ones, pick the best (ties broken at random, as
// kube-scheduler does). Pure and synchronous; binding is the caller's job.
//
// As kube-scheduler does on big clusters, filtering stops once enough
// feasible nodes were found (all of them below 100 nodes; 50% minus 1% per
// 125 nodes above, at least 5% and 100 nodes), starting where the previous
// cycle stopped so every node gets its turn. When nothing fits, every node
// has been checked, so the failure message counts them all.

import type { Pod } from '../api/index.ts';
import type { CycleState, Profile, Status } from './framework.ts';
import { isSuccess } from './framework.ts';
import { formatFitError } from './fit-error.ts';
import type { NodeFailure } from './fit-error.ts';
import type { NodeInfo } from './node-info.ts';

export type ScheduleResult =
  | { ok: true; node: string; feasibleNodes: number; scores: Map<string, number>; nextStartIndex: number }
  | { ok: false; message: string; failures: NodeFailure[]; nextStartIndex: number };

export interface ScheduleOptions {
  /** Tie-break source; default Math.random. */
  random?: () => number;
  /** Index of the node to start filtering at (the previous cycle's nextStartIndex). */
  startIndex?: number;
  /** Fixed share of nodes to find feasible, 1..100; default adaptive, as kube-scheduler. */
  percentageOfNodesToScore?: number;
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

export function schedulePod(profile: Profile, pod: Pod, nodes: readonly NodeInfo[], options: ScheduleOptions = {}): ScheduleResult {
  const random = options.random ?? Math.random;
  const start = nodes.length ? (options.startIndex ?? 0) % nodes.length : 0;
  const state: CycleState = { nodes, data: new Map() };
  for (const p of profile.preFilters) {
    const status = p.preFilter(pod, state);
    if (!isSuccess(status)) {
      // kube-scheduler's FitError names a pre-filter's reason once, not per node: `0/3 nodes are available: persistentvolumeclaim "x" not found.`
      const message = nodes.length === 0 ? formatFitError(0, []) : `0/${nodes.length} nodes are available: ${status.reasons.join(', ')}.`;
      return { ok: false, message, failures: [], nextStartIndex: start };
    }
  }

  const feasible: NodeInfo[] = [];
  const failures: NodeFailure[] = [];
  const enough = feasibleNodesToFind(nodes.length, options.percentageOfNodesToScore);
  let processed = 0;
  for (; processed < nodes.length && feasible.length < enough; processed++) {
    const node = nodes[(start + processed) % nodes.length]!;
    let failed: Status | undefined;
    for (const f of profile.filters) {
      const status = f.filter(pod, node, state);
      if (!isSuccess(status)) {
        failed = { ...status, plugin: f.name };
        break;
      }
    }
    if (failed) failures.push({ node: node.name, reasons: failed.reasons });
    else feasible.push(node);
  }
  const nextStartIndex = nodes.length ? (start + processed) % nodes.length : 0;
  if (feasible.length === 0) return { ok: false, message: formatFitError(nodes.length, failures), failures, nextStartIndex };

  const totals = new Array<number>(feasible.length).fill(0);
  if (feasible.length > 1) {
    for (const plugin of profile.scores) {
      const scores = feasible.map((n) => plugin.score(pod, n, state));
      plugin.normalize?.(scores);
      const weight = plugin.weight ?? 1;
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
  return { ok: true, node: feasible[best]!.name, feasibleNodes: feasible.length, scores: new Map(feasible.map((n, i) => [n.name, totals[i]!])), nextStartIndex };
}
