// One scheduling cycle over a snapshot of nodes: pre-filter, filter every
// node, score the feasible ones, pick the best (ties broken at random, as
// kube-scheduler does). Pure and synchronous; binding is the caller's job.

import type { Pod } from '../api/index.ts';
import type { CycleState, Profile, Status } from './framework.ts';
import { isSuccess } from './framework.ts';
import { formatFitError } from './fit-error.ts';
import type { NodeFailure } from './fit-error.ts';
import type { NodeInfo } from './node-info.ts';

export type ScheduleResult =
  | { ok: true; node: string; feasibleNodes: number; scores: Map<string, number> }
  | { ok: false; message: string; failures: NodeFailure[] };

export function schedulePod(profile: Profile, pod: Pod, nodes: readonly NodeInfo[], random: () => number = Math.random): ScheduleResult {
  const state: CycleState = { nodes, data: new Map() };
  for (const p of profile.preFilters) {
    const status = p.preFilter(pod, state);
    if (!isSuccess(status)) {
      return { ok: false, message: formatFitError(nodes.length, nodes.map((n) => ({ node: n.name, reasons: status.reasons }))), failures: [] };
    }
  }

  const feasible: NodeInfo[] = [];
  const failures: NodeFailure[] = [];
  for (const node of nodes) {
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
  if (feasible.length === 0) return { ok: false, message: formatFitError(nodes.length, failures), failures };

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
  return { ok: true, node: feasible[best]!.name, feasibleNodes: feasible.length, scores: new Map(feasible.map((n, i) => [n.name, totals[i]!])) };
}
