// What the dashboard shows and where it comes from. The cluster wiring implements
// DashboardSource from Istio-style metrics, VirtualServices, the span ring and the
// store; the dashboard only reads it. Methods may answer synchronously or with a promise.

import type { SpanView, TraceSummary } from '../telemetry/index.ts';

export type Awaitable<T> = T | Promise<T>;

export interface GraphNode {
  /** Stable id used by edges, e.g. `default/reviews-v2` or `istio-ingressgateway`. */
  id: string;
  name: string;
  namespace?: string;
  kind: 'workload' | 'service' | 'gateway' | 'external';
  app?: string;
  version?: string;
}

export interface GraphEdge {
  source: string;
  target: string;
  /** Totals since the source started counting; the dashboard derives rates from their change. */
  requests: number;
  errors: number;
  p50Ms: number;
  /** When the source already knows the current rate, it wins over the derived one. */
  rps?: number;
  protocol?: 'http' | 'tcp' | 'grpc';
}

export interface ServiceGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface SplitSubset {
  subset: string;
  /** The pods' `version` label the subset selects, when it has one. */
  version?: string;
  /** Configured weight, 0–100. */
  weight: number;
  /** Requests observed at this subset's pods for this route. */
  observed: number;
}

export interface TrafficSplit {
  virtualService: string;
  namespace: string;
  host: string;
  /** The route's `name`, or its index (`http[0]`) when unnamed. */
  route: string;
  subsets: SplitSubset[];
}

// Traces are shown exactly as the span ring (control/telemetry) keeps them.
export type { SpanView, TraceSummary };

export interface ClusterNodeView {
  name: string;
  ready: boolean;
  podCIDR?: string;
  /** KWOK-style nodes that run no processes. */
  simulated?: boolean;
}

export interface PodView {
  name: string;
  namespace: string;
  ip: string;
  node: string;
  phase: string;
  ready: boolean;
}

export interface ClusterView {
  nodes: ClusterNodeView[];
  pods: PodView[];
}

export interface DashboardSource {
  graph(): Awaitable<ServiceGraph>;
  splits(): Awaitable<TrafficSplit[]>;
  /** Most recent first. */
  traces(limit: number): Awaitable<TraceSummary[]>;
  /** Spans of one trace, any order; empty when unknown. */
  trace(traceId: string): Awaitable<SpanView[]>;
  cluster(): Awaitable<ClusterView>;
  /** Called whenever anything above may have changed; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}
