// NodeResourcesFit: the pod's cpu/memory requests must fit in what the node's
// allocatable leaves after the pods already there, and the node's pod
// capacity must not be reached (Filter; one node can fail for several reasons
// at once). As Score it ranks nodes by its scoringStrategy (kube-scheduler's
// NodeResourcesFitArgs): LeastAllocated (the default: spreads pods),
// MostAllocated (packs them) or RequestedToCapacityRatio (a utilization →
// score curve), each resource weighted. Scores use non-zero requests, so pods
// that state none still count.

import type { FilterPlugin, ScorePlugin } from '../framework.ts';
import { SUCCESS, unschedulable } from '../framework.ts';
import { cycleRequests } from '../resources.ts';
import type { NodeInfo } from '../node-info.ts';
import type { Resources } from '../resources.ts';

export const ERR_TOO_MANY_PODS = 'Too many pods';
export const ERR_INSUFFICIENT_CPU = 'Insufficient cpu';
export const ERR_INSUFFICIENT_MEMORY = 'Insufficient memory';

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';

export interface ScoringStrategy {
  type: ScoringStrategyType;
  /** cpu and memory are what meshlet counts; weights default to 1 each. */
  resources: { name: 'cpu' | 'memory'; weight: number }[];
  /** RequestedToCapacityRatio: utilization 0..100 → score 0..10, ascending utilization. */
  shape: { utilization: number; score: number }[];
}

export const DEFAULT_SCORING_STRATEGY: ScoringStrategy = {
  type: 'LeastAllocated',
  resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }],
  shape: [],
};

function leastRequested(capacity: number, requested: number): number {
  if (!Number.isFinite(capacity)) return 100;
  if (capacity <= 0 || requested > capacity) return 0;
  return ((capacity - requested) * 100) / capacity;
}

function mostRequested(capacity: number, requested: number): number {
  if (!Number.isFinite(capacity) || capacity <= 0) return 0;
  return (Math.min(requested, capacity) * 100) / capacity;
}

/** The shape as a broken line; scores are 0..10 in the config and 0..100 here. */
function shapeScore(shape: ScoringStrategy['shape'], capacity: number, requested: number): number {
  const utilization = Number.isFinite(capacity) && capacity > 0 ? Math.min(100, (requested * 100) / capacity) : 0;
  const first = shape[0];
  if (!first) return 0;
  if (utilization <= first.utilization) return first.score * 10;
  for (let i = 1; i < shape.length; i++) {
    const a = shape[i - 1]!;
    const b = shape[i]!;
    if (utilization <= b.utilization) return (a.score + ((b.score - a.score) * (utilization - a.utilization)) / (b.utilization - a.utilization)) * 10;
  }
  return shape[shape.length - 1]!.score * 10;
}

function resourceScore(strategy: ScoringStrategy, capacity: number, requested: number): number {
  if (strategy.type === 'MostAllocated') return mostRequested(capacity, requested);
  if (strategy.type === 'RequestedToCapacityRatio') return shapeScore(strategy.shape, capacity, requested);
  return leastRequested(capacity, requested);
}

const KEY: Record<'cpu' | 'memory', keyof Resources> = { cpu: 'milliCpu', memory: 'memory' };

export function nodeResourcesFitWith(strategy: ScoringStrategy): FilterPlugin & ScorePlugin {
  const totalWeight = strategy.resources.reduce((sum, r) => sum + r.weight, 0);
  return {
    name: 'NodeResourcesFit',
    weight: 1,
    filter(pod, node, state) {
      const reasons: string[] = [];
      if (node.pods.size + 1 > node.allocatable.pods) reasons.push(ERR_TOO_MANY_PODS);
      const { requested } = cycleRequests(pod, state.data);
      if (requested.milliCpu > 0 && requested.milliCpu > node.allocatable.milliCpu - node.requested.milliCpu) reasons.push(ERR_INSUFFICIENT_CPU);
      if (requested.memory > 0 && requested.memory > node.allocatable.memory - node.requested.memory) reasons.push(ERR_INSUFFICIENT_MEMORY);
      return reasons.length === 0 ? SUCCESS : unschedulable(...reasons);
    },
    score(pod, node: NodeInfo, state) {
      if (totalWeight === 0) return 0;
      const { nonZero } = cycleRequests(pod, state.data);
      let sum = 0;
      for (const r of strategy.resources) {
        const k = KEY[r.name];
        sum += resourceScore(strategy, node.allocatable[k], node.nonZeroRequested[k] + nonZero[k]) * r.weight;
      }
      return sum / totalWeight;
    },
  };
}

export const nodeResourcesFit = nodeResourcesFitWith(DEFAULT_SCORING_STRATEGY);
