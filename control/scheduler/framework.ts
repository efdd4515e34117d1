// The scheduling framework's contracts, after kube-scheduler's. A pod moves
// through the extension points in this order: QueueSort (which pod next),
// PreFilter (per-pod state once; may narrow the nodes or Skip the plugin's
// Filter), Filter (can this pod go on this node?), PostFilter (only when no
// node fits: preemption), PreScore, Score (+ normalize, × weight), Reserve
// (Unreserve on any later failure), Permit (approve, deny, or hold the pod
// waiting), then, off the scheduling loop, PreBind, Bind, PostBind.
// "Does not fit" is a Status, never an exception: exceptions are failures.

import type { Client, Clock, KubeObject, LabelSelector, Labels, Pod, PodSpec, ResourceType } from '../api/index.ts';
import type { EventRecorder, InformerSet } from '../runtime/index.ts';
import type { NodeInfo } from './node-info.ts';

export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Wait' | 'Skip' | 'Error';

export interface Status {
  code: StatusCode;
  /** Human reasons, counted per node in the FailedScheduling message ("Insufficient cpu"). */
  reasons: string[];
  /** The plugin that produced a non-success status. */
  plugin?: string;
}

export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: [] }) as Status;
/** From PreFilter or PreScore: this plugin has nothing to check for this pod; its Filter / Score is not called. */
export const SKIP: Status = Object.freeze({ code: 'Skip', reasons: [] }) as Status;

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
  /** Plugins whose PreFilter / PreScore returned Skip this cycle. */
  readonly skipFilter?: Set<string>;
  readonly skipScore?: Set<string>;
}

export interface Plugin {
  readonly name: string;
}

/**
 * kube-scheduler's EnqueueExtensions: the kinds whose objects, when added or changed, may let a
 * pod this plugin rejected fit. The scheduler watches them (informers from the handle) and sends
 * unschedulable pods round again; nodes and pods are always watched.
 */
export interface EnqueueExtensions {
  eventsToRegister(): readonly ResourceType<KubeObject>[];
}

export function registersEvents(plugin: Plugin): plugin is Plugin & EnqueueExtensions {
  return typeof (plugin as Partial<EnqueueExtensions>).eventsToRegister === 'function';
}

/** A pod in the scheduling queue; `timestamp` is when it was first queued (ms). */
export interface QueuedPod {
  pod: Pod;
  timestamp: number;
}

export interface QueueSortPlugin extends Plugin {
  /** True when `a` should be scheduled before `b`. */
  less(a: QueuedPod, b: QueuedPod): boolean;
}

/** A PreFilter's answer; `nodeNames` restricts the cycle to those nodes (intersected across plugins). */
export interface PreFilterStatus extends Status {
  nodeNames?: ReadonlySet<string>;
}

export interface PreFilterPlugin extends Plugin {
  preFilter(pod: Pod, state: CycleState): Status | PreFilterStatus;
}

export interface FilterPlugin extends Plugin {
  filter(pod: Pod, node: NodeInfo, state: CycleState): Status;
}

/** Why each node was rejected in the failed cycle, by node name (the plugin is set). */
export type NodeStatusMap = ReadonlyMap<string, Status>;

export interface PostFilterResult {
  status: Status;
  /** The node the pod is expected to go to once victims are gone. */
  nominatedNodeName?: string;
}

export interface PostFilterPlugin extends Plugin {
  postFilter(pod: Pod, state: CycleState, failures: NodeStatusMap): Promise<PostFilterResult>;
}

export interface PreScorePlugin extends Plugin {
  preScore(pod: Pod, nodes: readonly NodeInfo[], state: CycleState): Status;
}

export interface ScorePlugin extends Plugin {
  /** Multiplies the (normalized) score; default 1. A profile's weight overrides it. */
  readonly weight?: number;
  score(pod: Pod, node: NodeInfo, state: CycleState): number;
  /** Rescales raw scores to 0..100 in place (e.g. reverse a count). */
  normalize?(scores: number[]): void;
}

export interface ReservePlugin extends Plugin {
  reserve(pod: Pod, nodeName: string, state: CycleState): Status | Promise<Status>;
  /** Undoes reserve; called in reverse order when a later stage fails. Must not fail. */
  unreserve(pod: Pod, nodeName: string, state: CycleState): void | Promise<void>;
}

export interface PermitResult {
  /** Success, Wait (the pod is held until allowed, rejected or timed out), or a rejection. */
  status: Status;
  /** With Wait: how long to hold the pod before rejecting it; capped at 15 minutes, as kube-scheduler. */
  timeoutMs?: number;
}

export interface PermitPlugin extends Plugin {
  permit(pod: Pod, nodeName: string, state: CycleState): PermitResult | Promise<PermitResult>;
}

export interface PreBindPlugin extends Plugin {
  preBind(pod: Pod, nodeName: string, state: CycleState): Status | Promise<Status>;
}

export interface BindPlugin extends Plugin {
  /** Skip hands the pod to the next bind plugin; Success means it is bound. */
  bind(pod: Pod, nodeName: string, state: CycleState): Status | Promise<Status>;
}

export interface PostBindPlugin extends Plugin {
  postBind(pod: Pod, nodeName: string, state: CycleState): void | Promise<void>;
}

/** A pod held at Permit: plugins of the same profile allow or reject it through the handle. */
export interface WaitingPod {
  readonly pod: Pod;
  readonly nodeName: string;
  /** Permit plugins that have not allowed the pod yet. */
  pendingPlugins(): string[];
  allow(plugin: string): void;
  reject(plugin: string, message: string): void;
}

/** What plugins get from the framework (kube-scheduler's framework.Handle). */
export interface FrameworkHandle {
  readonly client: Client;
  readonly clock: Clock;
  readonly recorder: EventRecorder;
  readonly schedulerName: string;
  /** The scheduler's informers (kube-scheduler's SharedInformerFactory): listers for the kinds a plugin reads; the scheduler starts those its plugins register events for. */
  readonly informers: InformerSet;
  /** The scheduler's current node snapshot. */
  nodes(): readonly NodeInfo[];
  waitingPod(uid: string): WaitingPod | undefined;
  waitingPods(): WaitingPod[];
  /** Runs the profile's PreFilter + Filter plugins for `pod` on one node, as preemption's what-if needs. */
  runFilters(pod: Pod, node: NodeInfo, nodes: readonly NodeInfo[]): Status;
  /** Pods nominated to a node (status.nominatedNodeName), not yet bound. */
  nominatedPods(nodeName: string): Pod[];
}

/** The pipeline, one list per extension point; lists run in order. */
export interface Profile {
  readonly schedulerName: string;
  readonly queueSort?: QueueSortPlugin;
  readonly preFilters: readonly PreFilterPlugin[];
  readonly filters: readonly FilterPlugin[];
  readonly postFilters?: readonly PostFilterPlugin[];
  readonly preScores?: readonly PreScorePlugin[];
  readonly scores: readonly ScorePlugin[];
  /** Per score plugin name; overrides the plugin's own weight. */
  readonly scoreWeights?: ReadonlyMap<string, number>;
  readonly reserves?: readonly ReservePlugin[];
  readonly permits?: readonly PermitPlugin[];
  readonly preBinds?: readonly PreBindPlugin[];
  readonly binds?: readonly BindPlugin[];
  readonly postBinds?: readonly PostBindPlugin[];
  /** Share of nodes to find feasible before scoring (1..100); default adaptive. */
  readonly percentageOfNodesToScore?: number;
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
