// pluginConfig[].args of the in-tree plugins that take any, parsed and
// checked with kube-scheduler's field names and bounds.

import type { DefaultPreemptionArgs } from '../plugins/default-preemption.ts';
import { DEFAULT_PREEMPTION_ARGS } from '../plugins/default-preemption.ts';
import type { ScoringStrategy, ScoringStrategyType } from '../plugins/node-resources-fit.ts';
import { DEFAULT_SCORING_STRATEGY } from '../plugins/node-resources-fit.ts';
import { SchedulerConfigError, checkFields, expectArray, expectInt, expectRecord, invalidValue, unsupportedValue } from './config-error.ts';

const ARGS_META = ['apiVersion', 'kind'];
const STRATEGIES: readonly ScoringStrategyType[] = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'];

export function parseNodeResourcesFitArgs(args: unknown, path: string): ScoringStrategy {
  if (args === undefined) return DEFAULT_SCORING_STRATEGY;
  const a = expectRecord(args, path);
  checkFields(a, path, [...ARGS_META, 'scoringStrategy', 'ignoredResources', 'ignoredResourceGroups']);
  if (a['scoringStrategy'] === undefined) return DEFAULT_SCORING_STRATEGY;
  const sPath = `${path}.scoringStrategy`;
  const s = expectRecord(a['scoringStrategy'], sPath);
  checkFields(s, sPath, ['type', 'resources', 'requestedToCapacityRatio']);
  const type = (s['type'] ?? 'LeastAllocated') as ScoringStrategyType;
  if (!STRATEGIES.includes(type)) throw unsupportedValue(`${sPath}.type`, s['type'], STRATEGIES);
  const resources = s['resources'] === undefined
    ? DEFAULT_SCORING_STRATEGY.resources
    : expectArray(s['resources'], `${sPath}.resources`).map((r, i): ScoringStrategy['resources'][number] => {
      const rPath = `${sPath}.resources[${i}]`;
      const res = expectRecord(r, rPath);
      checkFields(res, rPath, ['name', 'weight']);
      const name = res['name'];
      if (name !== 'cpu' && name !== 'memory') throw unsupportedValue(`${rPath}.name`, name, ['cpu', 'memory']);
      return { name, weight: res['weight'] === undefined ? 1 : expectInt(res['weight'], `${rPath}.weight`, 1, 100) };
    });
  let shape: ScoringStrategy['shape'] = [];
  if (type === 'RequestedToCapacityRatio') {
    const rPath = `${sPath}.requestedToCapacityRatio`;
    const r = expectRecord(s['requestedToCapacityRatio'], rPath);
    checkFields(r, rPath, ['shape']);
    shape = expectArray(r['shape'], `${rPath}.shape`).map((p, i) => {
      const pPath = `${rPath}.shape[${i}]`;
      const point = expectRecord(p, pPath);
      checkFields(point, pPath, ['utilization', 'score']);
      return { utilization: expectInt(point['utilization'], `${pPath}.utilization`, 0, 100), score: expectInt(point['score'], `${pPath}.score`, 0, 10) };
    });
    if (shape.length === 0) throw new SchedulerConfigError(`${rPath}.shape`, 'Required value: at least one point');
    shape.forEach((p, i) => {
      if (i > 0 && p.utilization <= shape[i - 1]!.utilization) throw invalidValue(`${rPath}.shape[${i}].utilization`, p.utilization, 'utilization values must be sorted in increasing order');
    });
  }
  return { type, resources, shape };
}

/** meshlet applies no cluster-level default constraints (kube's System defaults need owner lookups); List defaults are refused, not ignored. */
export function parsePodTopologySpreadArgs(args: unknown, path: string): undefined {
  if (args === undefined) return undefined;
  const a = expectRecord(args, path);
  checkFields(a, path, [...ARGS_META, 'defaultConstraints', 'defaultingType']);
  if (a['defaultingType'] !== undefined && a['defaultingType'] !== 'System' && a['defaultingType'] !== 'List') {
    throw unsupportedValue(`${path}.defaultingType`, a['defaultingType'], ['System', 'List']);
  }
  if (a['defaultConstraints'] !== undefined && expectArray(a['defaultConstraints'], `${path}.defaultConstraints`).length > 0) {
    throw new SchedulerConfigError(`${path}.defaultConstraints`, 'Forbidden: default topology spread constraints are not supported by meshlet');
  }
  return undefined;
}

export function parseDefaultPreemptionArgs(args: unknown, path: string): DefaultPreemptionArgs {
  if (args === undefined) return DEFAULT_PREEMPTION_ARGS;
  const a = expectRecord(args, path);
  checkFields(a, path, [...ARGS_META, 'minCandidateNodesPercentage', 'minCandidateNodesAbsolute']);
  return {
    minCandidateNodesPercentage: a['minCandidateNodesPercentage'] === undefined ? DEFAULT_PREEMPTION_ARGS.minCandidateNodesPercentage : expectInt(a['minCandidateNodesPercentage'], `${path}.minCandidateNodesPercentage`, 0, 100),
    minCandidateNodesAbsolute: a['minCandidateNodesAbsolute'] === undefined ? DEFAULT_PREEMPTION_ARGS.minCandidateNodesAbsolute : expectInt(a['minCandidateNodesAbsolute'], `${path}.minCandidateNodesAbsolute`, 0, 1_000_000),
  };
}
