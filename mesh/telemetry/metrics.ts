// Istio's standard metrics, kept in memory and rendered in Prometheus text
// format, plus a small query API for the dashboard (per-edge request counts).

export interface RequestLabels {
  reporter: 'source' | 'destination';
  source_workload: string;
  source_workload_namespace: string;
  source_principal: string;
  source_app: string;
  source_version: string;
  destination_workload: string;
  destination_workload_namespace: string;
  destination_principal: string;
  destination_app: string;
  destination_version: string;
  destination_service: string;
  destination_service_name: string;
  destination_service_namespace: string;
  request_protocol: 'http' | 'tcp';
  response_code: string;
  response_flags: string;
  connection_security_policy: string;
}

const LABEL_ORDER: readonly (keyof RequestLabels)[] = [
  'reporter', 'source_workload', 'source_workload_namespace', 'source_principal', 'source_app', 'source_version',
  'destination_workload', 'destination_workload_namespace', 'destination_principal', 'destination_app', 'destination_version',
  'destination_service', 'destination_service_name', 'destination_service_namespace', 'request_protocol', 'response_code',
  'response_flags', 'connection_security_policy',
];

/** Istio's default buckets for duration (ms) and size (bytes) histograms. */
export const DURATION_BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
export const SIZE_BUCKETS = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

interface Series {
  labels: RequestLabels;
  requests: number;
  duration: Histogram;
  requestBytes: Histogram;
  responseBytes: Histogram;
  tcpSent: number;
  tcpReceived: number;
  tcpOpened: number;
  tcpClosed: number;
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

function newHistogram(buckets: readonly number[]): Histogram {
  return { counts: new Array<number>(buckets.length).fill(0), sum: 0, count: 0 };
}

function observe(h: Histogram, buckets: readonly number[], value: number): void {
  h.sum += value;
  h.count += 1;
  for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]!) h.counts[i]! += 1;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: RequestLabels, extra = ''): string {
  const parts = LABEL_ORDER.map((k) => `${k}="${escapeLabel(labels[k])}"`);
  if (extra) parts.push(extra);
  return `{${parts.join(',')}}`;
}

export class MeshMetrics {
  private readonly series = new Map<string, Series>();

  private seriesFor(labels: RequestLabels): Series {
    const key = LABEL_ORDER.map((k) => labels[k]).join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = {
        labels: { ...labels },
        requests: 0,
        duration: newHistogram(DURATION_BUCKETS),
        requestBytes: newHistogram(SIZE_BUCKETS),
        responseBytes: newHistogram(SIZE_BUCKETS),
        tcpSent: 0,
        tcpReceived: 0,
        tcpOpened: 0,
        tcpClosed: 0,
      };
      this.series.set(key, s);
    }
    return s;
  }

  recordRequest(labels: RequestLabels, durationMs: number, requestBytes: number, responseBytes: number): void {
    const s = this.seriesFor(labels);
    s.requests += 1;
    observe(s.duration, DURATION_BUCKETS, durationMs);
    observe(s.requestBytes, SIZE_BUCKETS, requestBytes);
    observe(s.responseBytes, SIZE_BUCKETS, responseBytes);
  }

  recordTcp(labels: RequestLabels, event: { opened?: boolean; closed?: boolean; sent?: number; received?: number }): void {
    const s = this.seriesFor(labels);
    if (event.opened) s.tcpOpened += 1;
    if (event.closed) s.tcpClosed += 1;
    s.tcpSent += event.sent ?? 0;
    s.tcpReceived += event.received ?? 0;
  }

  /** Prometheus text exposition format (version 0.0.4). */
  render(): string {
    const out: string[] = [];
    const http = [...this.series.values()].filter((s) => s.labels.request_protocol === 'http');
    const tcp = [...this.series.values()].filter((s) => s.labels.request_protocol === 'tcp');
    out.push('# HELP istio_requests_total Total requests handled by the mesh.', '# TYPE istio_requests_total counter');
    for (const s of http) out.push(`istio_requests_total${labelText(s.labels)} ${s.requests}`);
    const hist = (name: string, help: string, pick: (s: Series) => Histogram, buckets: readonly number[]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const s of http) {
        const h = pick(s);
        buckets.forEach((b, i) => out.push(`${name}_bucket${labelText(s.labels, `le="${b}"`)} ${h.counts[i]}`));
        out.push(`${name}_bucket${labelText(s.labels, 'le="+Inf"')} ${h.count}`);
        out.push(`${name}_sum${labelText(s.labels)} ${h.sum}`);
        out.push(`${name}_count${labelText(s.labels)} ${h.count}`);
      }
    };
    hist('istio_request_duration_milliseconds', 'Request duration in milliseconds.', (s) => s.duration, DURATION_BUCKETS);
    hist('istio_request_bytes', 'Request body size in bytes.', (s) => s.requestBytes, SIZE_BUCKETS);
    hist('istio_response_bytes', 'Response body size in bytes.', (s) => s.responseBytes, SIZE_BUCKETS);
    const counter = (name: string, help: string, pick: (s: Series) => number): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const s of tcp) out.push(`${name}${labelText(s.labels)} ${pick(s)}`);
    };
    counter('istio_tcp_sent_bytes_total', 'Bytes sent during TCP connections.', (s) => s.tcpSent);
    counter('istio_tcp_received_bytes_total', 'Bytes received during TCP connections.', (s) => s.tcpReceived);
    counter('istio_tcp_connections_opened_total', 'TCP connections opened.', (s) => s.tcpOpened);
    counter('istio_tcp_connections_closed_total', 'TCP connections closed.', (s) => s.tcpClosed);
    return `${out.join('\n')}\n`;
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
      e.totalMs += s.duration.sum;
    }
    return [...byEdge.values()].map(({ totalMs, ...e }) => ({ ...e, meanMs: e.requests > 0 ? totalMs / e.requests : 0 }));
  }

  /** Total requests matching a partial label set (tests and the dashboard). */
  count(match: Partial<RequestLabels>): number {
    let n = 0;
    for (const s of this.series.values()) {
      if ((Object.keys(match) as (keyof RequestLabels)[]).every((k) => s.labels[k] === match[k])) n += s.requests;
    }
    return n;
  }

  reset(): void {
    this.series.clear();
  }
}
