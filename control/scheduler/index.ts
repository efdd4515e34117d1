// control/scheduler: a kube-scheduler-shaped framework (filter/score plugins
// returning Statuses), the default plugin pipeline, and the scheduler loop.

export type { StartSchedulerOptions, RunningScheduler } from './scheduler.ts';
export { startScheduler } from './scheduler.ts';
export type {
  Status, StatusCode, CycleState, PreFilterPlugin, FilterPlugin, ScorePlugin, Profile,
  Affinity, NodeSelectorTerm, NodeSelectorRequirement, PodAffinityTerm, TopologySpreadConstraint, SchedulingPodSpec,
} from './framework.ts';
export { SUCCESS, unschedulable, unresolvable, isSuccess } from './framework.ts';
export { defaultProfile, DEFAULT_SCHEDULER_NAME } from './profile.ts';
export type { ScheduleResult, ScheduleOptions } from './schedule-pod.ts';
export { schedulePod, feasibleNodesToFind } from './schedule-pod.ts';
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
export { nodeResourcesFit, ERR_TOO_MANY_PODS, ERR_INSUFFICIENT_CPU, ERR_INSUFFICIENT_MEMORY } from './plugins/node-resources-fit.ts';
export { leastAllocated } from './plugins/least-allocated.ts';
export { interPodAffinity, ERR_AFFINITY, ERR_ANTI_AFFINITY } from './plugins/inter-pod-affinity.ts';
export { podTopologySpread, ERR_TOPOLOGY_SPREAD, ERR_TOPOLOGY_LABEL } from './plugins/pod-topology-spread.ts';
