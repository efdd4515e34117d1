// One consistent view of everything the page shows, read from the source in one go.
import type { Clock } from '../api/index.ts';
import type { EdgeRateTracker } from './rates.ts';
import type { ClusterView, DashboardSource, ServiceGraph, TraceSummary, TrafficSplit } from './source.ts';

export const TRACE_LIST_LIMIT = 50;

export interface DashboardSnapshot {
  atMs: number;
  graph: ServiceGraph;
  splits: TrafficSplit[];
  traces: TraceSummary[];
  cluster: ClusterView;
}

export async function readGraph(source: DashboardSource, rates: EdgeRateTracker): Promise<ServiceGraph> {
  const graph = await source.graph();
  return { nodes: graph.nodes, edges: rates.observe(graph.edges) };
}

export async function readSnapshot(source: DashboardSource, rates: EdgeRateTracker, clock: Clock): Promise<DashboardSnapshot> {
  const [graph, splits, traces, cluster] = await Promise.all([
    readGraph(source, rates),
    source.splits(),
    source.traces(TRACE_LIST_LIMIT),
    source.cluster(),
  ]);
  return { atMs: clock.now(), graph, splits, traces, cluster };
}
