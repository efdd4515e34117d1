// An in-memory DashboardSource for tests: plain data the test mutates, then `changed()`.
import type { ClusterView, DashboardSource, ServiceGraph, SpanView, TraceSummary, TrafficSplit } from '../../control/dashboard/index.ts';

export class MemorySource implements DashboardSource {
  graphData: ServiceGraph = { nodes: [], edges: [] };
  splitData: TrafficSplit[] = [];
  spans: SpanView[] = [];
  clusterData: ClusterView = { nodes: [], pods: [] };
  private readonly listeners = new Set<() => void>();

  graph(): ServiceGraph {
    return structuredClone(this.graphData);
  }

  splits(): TrafficSplit[] {
    return structuredClone(this.splitData);
  }

  traces(limit: number): TraceSummary[] {
    const byTrace = new Map<string, SpanView[]>();
    for (const span of this.spans) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
    return [...byTrace.entries()]
      .map(([traceId, spans]) => {
        const start = Math.min(...spans.map((s) => s.startMs));
        const root = spans.find((s) => !s.parentSpanId) ?? spans[0]!;
        return {
          traceId,
          rootName: root.name,
          startMs: start,
          durationMs: Math.max(...spans.map((s) => s.startMs + s.durationMs)) - start,
          spanCount: spans.length,
          services: [...new Set(spans.map((s) => s.service))],
          error: spans.some((s) => s.status === 'error'),
        };
      })
      .sort((a, b) => b.startMs - a.startMs)
      .slice(0, limit);
  }

  trace(traceId: string): SpanView[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  cluster(): ClusterView {
    return structuredClone(this.clusterData);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/** Bookinfo-shaped sample data: gateway → productpage → details, reviews v1/v2 → ratings. */
export function bookinfoSource(nowMs: number): MemorySource {
  const source = new MemorySource();
  const workload = (name: string, app: string, version: string) => ({ id: `default/${name}`, name: app, namespace: 'default', kind: 'workload' as const, app, version });
  source.graphData = {
    nodes: [
      { id: 'istio-system/istio-ingressgateway', name: 'istio-ingressgateway', namespace: 'istio-system', kind: 'gateway' },
      workload('productpage-v1', 'productpage', 'v1'),
      workload('details-v1', 'details', 'v1'),
      workload('reviews-v1', 'reviews', 'v1'),
      workload('reviews-v2', 'reviews', 'v2'),
      workload('ratings-v1', 'ratings', 'v1'),
    ],
    edges: [
      { source: 'istio-system/istio-ingressgateway', target: 'default/productpage-v1', requests: 1000, errors: 0, p50Ms: 12 },
      { source: 'default/productpage-v1', target: 'default/details-v1', requests: 1000, errors: 20, p50Ms: 2.5 },
      { source: 'default/productpage-v1', target: 'default/reviews-v1', requests: 900, errors: 0, p50Ms: 3 },
      { source: 'default/productpage-v1', target: 'default/reviews-v2', requests: 100, errors: 0, p50Ms: 6 },
      { source: 'default/reviews-v2', target: 'default/ratings-v1', requests: 100, errors: 0, p50Ms: 1.2 },
    ],
  };
  source.splitData = [{
    virtualService: 'reviews',
    namespace: 'default',
    host: 'reviews.default.svc.cluster.local',
    route: 'http[0]',
    subsets: [
      { subset: 'v1', version: 'v1', weight: 90, observed: 900 },
      { subset: 'v2', version: 'v2', weight: 10, observed: 100 },
    ],
  }];
  const span = (traceId: string, spanId: string, parentSpanId: string | undefined, name: string, service: string, offset: number, duration: number, status: SpanView['status'] = 'ok'): SpanView => ({
    traceId, spanId, parentSpanId, name, kind: parentSpanId ? 'client' : 'server', service, startMs: nowMs + offset, durationMs: duration, status,
    attributes: { 'http.response.status_code': status === 'error' ? 503 : 200 },
  });
  const t1 = '4bf92f3577b34da6a3ce929d0e0e4736';
  const t2 = '0af7651916cd43dd8448eb211c80319c';
  source.spans = [
    span(t1, 'a000000000000001', undefined, 'GET /productpage', 'istio-ingressgateway', 0, 40),
    span(t1, 'a000000000000002', 'a000000000000001', 'productpage.default.svc.cluster.local:9080/*', 'productpage-v1', 1, 38),
    span(t1, 'a000000000000003', 'a000000000000002', 'details.default.svc.cluster.local:9080/*', 'details-v1', 3, 5),
    span(t1, 'a000000000000004', 'a000000000000002', 'reviews.default.svc.cluster.local:9080/*', 'reviews-v2', 10, 25),
    span(t1, 'a000000000000005', 'a000000000000004', 'ratings.default.svc.cluster.local:9080/*', 'ratings-v1', 14, 8),
    span(t2, 'b000000000000001', undefined, 'GET /api/v1/products/0', 'istio-ingressgateway', -5000, 12, 'error'),
    span(t2, 'b000000000000002', 'b000000000000001', 'productpage.default.svc.cluster.local:9080/*', 'productpage-v1', -4999, 10, 'error'),
  ];
  source.clusterData = {
    nodes: [{ name: 'node-1', ready: true, podCIDR: '127.244.1.0/24' }, { name: 'node-2', ready: true, podCIDR: '127.244.2.0/24' }],
    pods: [
      { name: 'productpage-v1-7d9f', namespace: 'default', ip: '127.244.1.2', node: 'node-1', phase: 'Running', ready: true },
      { name: 'details-v1-5c8d', namespace: 'default', ip: '127.244.2.2', node: 'node-2', phase: 'Running', ready: true },
      { name: 'reviews-v2-66b8', namespace: 'default', ip: '127.244.2.3', node: 'node-2', phase: 'Pending', ready: false },
    ],
  };
  return source;
}
