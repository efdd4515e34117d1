// Feeds the dashboard from what the cluster already keeps: Istio metrics
// (service graph, observed split), VirtualServices + DestinationRules
// (configured split), the span ring (traces) and the informer caches (pods).

import { DESTINATION_RULES, NODES, PODS, VIRTUAL_SERVICES } from '../api/index.ts';
import type { KubeObject, Node, Pod } from '../api/index.ts';
import type { DashboardSource, GraphEdge, GraphNode, TrafficSplit } from '../dashboard/index.ts';
import type { SpanRing } from '../telemetry/index.ts';
import type { MeshMetrics } from '../../mesh/index.ts';
import type { ClusterState } from './cluster-state.ts';

interface RouteDestination {
  destination?: { host?: string; subset?: string };
  weight?: number;
}

interface VirtualServiceSpec {
  hosts?: string[];
  http?: { name?: string; route?: RouteDestination[] }[];
}

interface DestinationRuleSpec {
  host?: string;
  subsets?: { name: string; labels?: Record<string, string> }[];
}

export function createDashboardSource(options: { state: ClusterState; spans: SpanRing; metrics: MeshMetrics }): DashboardSource {
  const { state, spans, metrics } = options;
  const shortHost = (host: string) => host.split('.')[0] ?? host;

  return {
    graph() {
      const nodes = new Map<string, GraphNode>();
      const edges: GraphEdge[] = [];
      // Proxies that send know both ends (source-reported edges); traffic from outside the
      // mesh is only seen by the receiving sidecar, whose source is then unknown.
      const reported = metrics.edges({ reporter: 'source' });
      const fromOutside = metrics
        .edges({ reporter: 'destination' })
        .filter((e) => !e.source.workload || e.source.workload === 'unknown');
      for (const e of [...reported, ...fromOutside]) {
        const source = e.source.workload && e.source.workload !== 'unknown' ? `${e.source.namespace}/${e.source.workload}` : 'unknown';
        const target = `${e.destination.namespace}/${e.destination.workload}`;
        if (!nodes.has(source)) {
          const gateway = e.source.workload.includes('ingressgateway');
          nodes.set(source, {
            id: source,
            name: e.source.workload || 'unknown',
            namespace: e.source.namespace || undefined,
            kind: gateway ? 'gateway' : source === 'unknown' ? 'external' : 'workload',
            app: e.source.app || undefined,
            version: e.source.version || undefined,
          });
        }
        if (!nodes.has(target)) {
          nodes.set(target, {
            id: target,
            name: e.destination.workload,
            namespace: e.destination.namespace,
            kind: 'workload',
            app: e.destination.app || undefined,
            version: e.destination.version || undefined,
          });
        }
        edges.push({ source, target, requests: e.requests, errors: e.errors, p50Ms: Math.round(e.meanMs * 10) / 10, protocol: 'http' });
      }
      return { nodes: [...nodes.values()], edges };
    },

    splits() {
      const observed = metrics.edges({ reporter: 'destination' });
      const rules = state.list<KubeObject<DestinationRuleSpec>>(DESTINATION_RULES);
      const out: TrafficSplit[] = [];
      for (const vs of state.list<KubeObject<VirtualServiceSpec>>(VIRTUAL_SERVICES)) {
        const namespace = vs.metadata.namespace ?? 'default';
        (vs.spec?.http ?? []).forEach((route, index) => {
          const destinations = route.route ?? [];
          if (destinations.length === 0) return;
          const host = destinations[0]?.destination?.host ?? vs.spec?.hosts?.[0] ?? '';
          const rule = rules.find((r) => shortHost(r.spec?.host ?? '') === shortHost(host) && (r.metadata.namespace ?? 'default') === namespace);
          out.push({
            virtualService: vs.metadata.name,
            namespace,
            host,
            route: route.name ?? `http[${index}]`,
            subsets: destinations.map((d) => {
              const subset = d.destination?.subset ?? '(all)';
              const version = rule?.spec?.subsets?.find((s) => s.name === d.destination?.subset)?.labels?.version;
              const count = observed
                .filter((e) => e.destination.app === shortHost(d.destination?.host ?? host) && (!version || e.destination.version === version))
                .reduce((sum, e) => sum + e.requests, 0);
              return { subset, ...(version ? { version } : {}), weight: d.weight ?? (destinations.length === 1 ? 100 : 0), observed: count };
            }),
          });
        });
      }
      return out;
    },

    traces: (limit) => spans.traces(limit),
    trace: (traceId) => spans.trace(traceId),

    cluster() {
      const nodes = state.list<Node>(NODES).map((n) => ({
        name: n.metadata.name,
        ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        ...(n.spec?.podCIDR ? { podCIDR: n.spec.podCIDR } : {}),
      }));
      const pods = state.list<Pod>(PODS).map((p) => ({
        name: p.metadata.name,
        namespace: p.metadata.namespace ?? 'default',
        ip: p.status?.podIP ?? '',
        node: p.spec?.nodeName ?? '',
        phase: p.status?.phase ?? 'Pending',
        ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      }));
      return { nodes, pods };
    },

    onChange(listener) {
      const offState = state.onChange(listener);
      const offSpans = spans.onChange(listener);
      return () => {
        offState();
        offSpans();
      };
    },
  };
}
