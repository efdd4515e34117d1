// control/scheduler: a kube-scheduler-shaped framework (every extension
// point, plugins returning Statuses), profiles from a
// KubeSchedulerConfiguration, user plugin modules, preemption, and the loop.

export type { StartSchedulerOptions, RunningScheduler } from './scheduler.ts';
export { startScheduler } from './scheduler.ts';
export type {
  Status, StatusCode, CycleState, Plugin, QueuedPod, QueueSortPlugin, PreFilterStatus, PreFilterPlugin, FilterPlugin, NodeStatusMap,
  PostFilterResult, PostFilterPlugin, PreScorePlugin, ScorePlugin, ReservePlugin, PermitResult, PermitPlugin, PreBindPlugin, BindPlugin,
  PostBindPlugin, WaitingPod, FrameworkHandle, Profile,
  Affinity, NodeSelectorTerm, NodeSelectorRequirement, PodAffinityTerm, TopologySpreadConstraint, SchedulingPodSpec,
} from './framework.ts';
export { SUCCESS, SKIP, unschedulable, unresolvable, isSuccess } from './framework.ts';
export type { BuildProfileOptions } from './profile.ts';
export { defaultProfile, buildProfile, mergePluginSet, implementsPoint, DEFAULT_PLUGINS, DEFAULT_SCHEDULER_NAME } from './profile.ts';
export type { InTreePlugin } from './plugin-registry.ts';
export { IN_TREE_PLUGINS } from './plugin-registry.ts';
export type { ScheduleResult, ScheduleOptions, SchedulingCycle } from './schedule-pod.ts';
export { schedulePod, runSchedulingCycle, feasibleNodesToFind, newCycleState, runPreFilters, runFilters } from './schedule-pod.ts';
export { HeldPod, MAX_PERMIT_TIMEOUT_MS, formatDuration } from './waiting-pods.ts';
export type { ExtensionPoint, PluginRef, PluginSet, PluginsConfig, PluginConfigEntry, ProfileConfig, PluginFactory, SchedulerConfiguration } from './config/types.ts';
export { EXTENSION_POINTS } from './config/types.ts';
export { SchedulerConfigError } from './config/config-error.ts';
export { loadSchedulerConfig, parseSchedulerConfig, SCHEDULER_CONFIG_API_VERSION } from './config/load-config.ts';
export type { NodeFailure } from './fit-error.ts';
export { formatFitError, NO_NODES_MESSAGE } from './fit-error.ts';
export type { Allocatable } from './node-info.ts';
export { NodeInfo, DEFAULT_MAX_PODS } from './node-info.ts';
export { SchedulerCache } from './scheduler-cache.ts';
export type { Resources, PodRequests } from './resources.ts';
export { parseQuantity, parseMilliCpu, parseBytes, podRequests, DEFAULT_MILLI_CPU_REQUEST, DEFAULT_MEMORY_REQUEST } from './resources.ts';
export { nodeUnschedulable, ERR_NODE_UNSCHEDULABLE } from './plugins/node-unschedulable.ts';
export { nodeName, ERR_NODE_NAME } from './plugins/node-name.ts';
export { nodeReady, ERR_NODE_NOT_READY } from './plugins/node-ready.ts';
export { taintToleration, tolerates, untoleratedTaintReason } from './plugins/taint-toleration.ts';
export { nodeAffinity, ERR_NODE_AFFINITY } from './plugins/node-affinity.ts';
export type { ScoringStrategy, ScoringStrategyType } from './plugins/node-resources-fit.ts';
export { nodeResourcesFit, nodeResourcesFitWith, DEFAULT_SCORING_STRATEGY, ERR_TOO_MANY_PODS, ERR_INSUFFICIENT_CPU, ERR_INSUFFICIENT_MEMORY } from './plugins/node-resources-fit.ts';
export { prioritySort } from './plugins/priority-sort.ts';
export { defaultBinder } from './plugins/default-binder.ts';
export type { DefaultPreemptionArgs } from './plugins/default-preemption.ts';
export { defaultPreemption, DEFAULT_PREEMPTION_ARGS, ERR_PREEMPTION_NEVER, ERR_TERMINATING_ON_NOMINATED, ERR_NO_VICTIMS } from './plugins/default-preemption.ts';
export type { Candidate, DisruptionBudget, FitCheck } from './preemption/select-victims.ts';
export { selectVictimsOnNode, findCandidates, pickCandidate } from './preemption/select-victims.ts';
export { leastAllocated } from './plugins/least-allocated.ts';
export { interPodAffinity, ERR_AFFINITY, ERR_ANTI_AFFINITY } from './plugins/inter-pod-affinity.ts';
export { podTopologySpread, ERR_TOPOLOGY_SPREAD, ERR_TOPOLOGY_LABEL } from './plugins/pod-topology-spread.ts';
