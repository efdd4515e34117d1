// Istio's standard metrics on a prom-client Registry of their own (never the
// global one, so several clusters or sidecars in one process keep apart), plus
// a small query API for the dashboard (per-edge request counts) that reads a
// running tally instead of scraping the registry on every poll.

import { Counter, Histogram, Registry } from './prometheus.ts';
import { DEFAULT_CLUSTER_ID } from './canonical.ts';

export interface RequestLabels {
  reporter: 'source' | 'destination';
  source_workload: string;
  source_workload_namespace: string;
  source_principal: string;
  source_app: string;
  source_version: string;
  source_canonical_service: string;
  source_canonical_revision: string;
  source_cluster: string;
  destination_workload: string;
  destination_workload_namespace: string;
  destination_principal: string;
  destination_app: string;
  destination_version: string;
  destination_service: string;
  destination_canonical_service: string;
  destination_canonical_revision: string;
  destination_service_name: string;
  destination_service_namespace: string;
  destination_cluster: string;
  request_protocol: 'http' | 'tcp';
  response_code: string;
  grpc_response_status: string;
  response_flags: string;
  connection_security_policy: string;
}

type LabelName = keyof RequestLabels;

/** Istio's order (istio_stats), which is also the order of the exposition. */
const LABEL_ORDER: LabelName[] = [
  'reporter', 'source_workload', 'source_workload_namespace', 'source_principal', 'source_app', 'source_version',
  'source_canonical_service', 'source_canonical_revision', 'source_cluster',
  'destination_workload', 'destination_workload_namespace', 'destination_principal', 'destination_app', 'destination_version',
  'destination_service', 'destination_canonical_service', 'destination_canonical_revision',
  'destination_service_name', 'destination_service_namespace', 'destination_cluster',
  'request_protocol', 'response_code', 'grpc_response_status', 'response_flags', 'connection_security_policy',
];

/** Istio's default buckets for duration (ms) and size (bytes) histograms. */
export const DURATION_BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
export const SIZE_BUCKETS = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/** The tally behind edges()/count(); the exposition itself lives in the registry. */
interface Series {
  labels: RequestLabels;
  requests: number;
  durationSum: number;
}

export interface EdgeStats {
  source: { workload: string; namespace: string; app: string; version: string };
  destination: { workload: string; namespace: string; app: string; version: string; service: string };
  reporter: 'source' | 'destination';
  requests: number;
  errors: number;
  /** Count by response code. */
  codes: Record<string, number>;
  /** Mean duration in ms. */
  meanMs: number;
}

export interface MeshMetricsOptions {
  /** source_cluster/destination_cluster of known workloads; default Istio's "Kubernetes". */
  clusterId?: string;
}

export class MeshMetrics {
  readonly registry = new Registry();
  readonly clusterId: string;
  private readonly series = new Map<string, Series>();
  /** Inbound requests per destination pod (`namespace/name`): what a per-pod scrape of istio_requests_total would sum to. */
  private readonly podInbound = new Map<string, number>();
  private readonly requests: Counter<LabelName>;
  private readonly duration: Histogram<LabelName>;
  private readonly requestBytes: Histogram<LabelName>;
  private readonly responseBytes: Histogram<LabelName>;
  private readonly tcpSent: Counter<LabelName>;
  private readonly tcpReceived: Counter<LabelName>;
  private readonly tcpOpened: Counter<LabelName>;
  private readonly tcpClosed: Counter<LabelName>;

  constructor(options: MeshMetricsOptions = {}) {
    this.clusterId = options.clusterId ?? DEFAULT_CLUSTER_ID;
    const registers = [this.registry];
    const counter = (name: string, help: string): Counter<LabelName> => new Counter({ name, help, labelNames: LABEL_ORDER, registers });
    const histogram = (name: string, help: string, buckets: number[]): Histogram<LabelName> =>
      new Histogram({ name, help, labelNames: LABEL_ORDER, buckets, registers });
    this.requests = counter('istio_requests_total', 'Total requests handled by the mesh.');
    this.duration = histogram('istio_request_duration_milliseconds', 'Request duration in milliseconds.', DURATION_BUCKETS);
    this.requestBytes = histogram('istio_request_bytes', 'Request body size in bytes.', SIZE_BUCKETS);
    this.responseBytes = histogram('istio_response_bytes', 'Response body size in bytes.', SIZE_BUCKETS);
    this.tcpSent = counter('istio_tcp_sent_bytes_total', 'Bytes sent during TCP connections.');
    this.tcpReceived = counter('istio_tcp_received_bytes_total', 'Bytes received during TCP connections.');
    this.tcpOpened = counter('istio_tcp_connections_opened_total', 'TCP connections opened.');
    this.tcpClosed = counter('istio_tcp_connections_closed_total', 'TCP connections closed.');
  }

  private seriesFor(labels: RequestLabels): Series {
    const key = LABEL_ORDER.map((k) => labels[k]).join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { ...labels }, requests: 0, durationSum: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  recordRequest(labels: RequestLabels, durationMs: number, requestBytes: number, responseBytes: number): void {
    const s = this.seriesFor(labels);
    s.requests += 1;
    s.durationSum += durationMs;
    this.requests.inc(s.labels);
    this.duration.observe(s.labels, durationMs);
    this.requestBytes.observe(s.labels, requestBytes);
    this.responseBytes.observe(s.labels, responseBytes);
  }

  recordPodInbound(pod: string): void {
    this.podInbound.set(pod, (this.podInbound.get(pod) ?? 0) + 1);
  }

  /** Cumulative inbound requests per pod (`namespace/name` → count), for request-rate metrics. */
  podInboundTotals(): ReadonlyMap<string, number> {
    return this.podInbound;
  }

  recordTcp(labels: RequestLabels, event: { opened?: boolean; closed?: boolean; sent?: number; received?: number }): void {
    const l = this.seriesFor(labels).labels;
    // inc(0) on purpose: every TCP series shows all four counters from its first event on.
    this.tcpOpened.inc(l, event.opened ? 1 : 0);
    this.tcpClosed.inc(l, event.closed ? 1 : 0);
    this.tcpSent.inc(l, event.sent ?? 0);
    this.tcpReceived.inc(l, event.received ?? 0);
  }

  /** Prometheus text exposition format (version 0.0.4) of the mesh metrics alone. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Request counts per source → destination workload edge (HTTP), for the dashboard. */
  edges(filter: { reporter?: 'source' | 'destination' } = {}): EdgeStats[] {
    const byEdge = new Map<string, EdgeStats & { totalMs: number }>();
    for (const s of this.series.values()) {
      const l = s.labels;
      if (l.request_protocol !== 'http' || (filter.reporter && l.reporter !== filter.reporter)) continue;
      const key = [l.reporter, l.source_workload, l.source_workload_namespace, l.source_version, l.destination_workload, l.destination_workload_namespace, l.destination_version, l.destination_service].join('|');
      let e = byEdge.get(key);
      if (!e) {
        e = {
          source: { workload: l.source_workload, namespace: l.source_workload_namespace, app: l.source_app, version: l.source_version },
          destination: { workload: l.destination_workload, namespace: l.destination_workload_namespace, app: l.destination_app, version: l.destination_version, service: l.destination_service },
          reporter: l.reporter,
          requests: 0,
          errors: 0,
          codes: {},
          meanMs: 0,
          totalMs: 0,
        };
        byEdge.set(key, e);
      }
      e.requests += s.requests;
      if (Number(l.response_code) >= 500 || l.response_code === '0') e.errors += s.requests;
      e.codes[l.response_code] = (e.codes[l.response_code] ?? 0) + s.requests;
      e.totalMs += s.durationSum;
    }
    return [...byEdge.values()].map(({ totalMs, ...e }) => ({ ...e, meanMs: e.requests > 0 ? totalMs / e.requests : 0 }));
  }

  /** Total requests matching a partial label set (tests and the dashboard). */
  count(match: Partial<RequestLabels>): number {
    let n = 0;
    for (const s of this.series.values()) {
      if ((Object.keys(match) as LabelName[]).every((k) => s.labels[k] === match[k])) n += s.requests;
    }
    return n;
  }

  reset(): void {
    this.series.clear();
    this.podInbound.clear();
    this.registry.resetMetrics();
  }
}
