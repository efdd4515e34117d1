// control/dashboard: the live web view of a running cluster (service graph, traffic
// splits, traces, pods by node), served on loopback from a DashboardSource.
export { startDashboard, isLoopback } from './server.ts';
export type { DashboardOptions, Dashboard } from './server.ts';
export { DashboardError } from './errors.ts';
export type { DashboardErrorCode } from './errors.ts';
export { EdgeRateTracker } from './rates.ts';
export type { DashboardSnapshot } from './snapshot.ts';
export type {
  Awaitable, DashboardSource, GraphNode, GraphEdge, ServiceGraph, SplitSubset, TrafficSplit, SpanView, TraceSummary,
  ClusterNodeView, PodView, ClusterView,
} from './source.ts';
