// The scheduling framework's contracts, after kube-scheduler's: a filter
// plugin answers "can this pod go on this node?" with a Status (never an
// exception: unschedulable is an expected outcome), a score plugin ranks the
// nodes that passed, 0..100. A pre-filter computes per-pod state once per
// cycle (e.g. which topology domains hold matching pods).

import type { LabelSelector, Labels, Pod, PodSpec } from '../api/index.ts';
import type { NodeInfo } from './node-info.ts';

export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error';

export interface Status {
  code: StatusCode;
  /** Human reasons, counted per node in the FailedScheduling message ("Insufficient cpu"). */
  reasons: string[];
  /** The plugin that produced a non-success status. */
  plugin?: string;
}

export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: [] }) as Status;

export function unschedulable(...reasons: string[]): Status {
  return { code: 'Unschedulable', reasons };
}

/** Unschedulable in a way no preemption could fix (wrong node name, selector mismatch). */
export function unresolvable(...reasons: string[]): Status {
  return { code: 'UnschedulableAndUnresolvable', reasons };
}

export function isSuccess(status: Status): boolean {
  return status.code === 'Success';
}

/** Per-cycle state shared by the plugins while one pod is scheduled. */
export interface CycleState {
  readonly nodes: readonly NodeInfo[];
  readonly data: Map<string, unknown>;
}

export interface PreFilterPlugin {
  readonly name: string;
  preFilter(pod: Pod, state: CycleState): Status;
}

export interface FilterPlugin {
  readonly name: string;
  filter(pod: Pod, node: NodeInfo, state: CycleState): Status;
}

export interface ScorePlugin {
  readonly name: string;
  /** Multiplies the (normalized) score; default 1. */
  readonly weight?: number;
  score(pod: Pod, node: NodeInfo, state: CycleState): number;
  /** Rescales raw scores to 0..100 in place (e.g. reverse a count). */
  normalize?(scores: number[]): void;
}

/** The pipeline: pre-filters, then filters in order (first failure wins per node), then scores. */
export interface Profile {
  readonly schedulerName: string;
  readonly preFilters: readonly PreFilterPlugin[];
  readonly filters: readonly FilterPlugin[];
  readonly scores: readonly ScorePlugin[];
}

// Pod fields the scheduler reads beyond the shared PodSpec type.

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface PodAffinityTerm {
  labelSelector?: LabelSelector;
  topologyKey: string;
  namespaces?: string[];
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
    preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
  };
  podAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
    preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; podAffinityTerm: PodAffinityTerm }[];
  };
  podAntiAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
    preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; podAffinityTerm: PodAffinityTerm }[];
  };
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  labelSelector?: LabelSelector;
}

export type SchedulingPodSpec = PodSpec & {
  affinity?: Affinity;
  topologySpreadConstraints?: TopologySpreadConstraint[];
};

export function schedulingSpec(pod: Pod): SchedulingPodSpec {
  return (pod.spec ?? { containers: [] }) as SchedulingPodSpec;
}

export function nodeLabels(node: NodeInfo): Labels {
  return node.node.metadata.labels ?? {};
}
