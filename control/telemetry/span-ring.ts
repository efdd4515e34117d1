// An in-memory ring of finished spans: the embedded trace backend that feeds
// the dashboard and tests. It is an OpenTelemetry SpanExporter, so it sits in
// the same pipeline as an OTLP exporter would.

import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from './otel-sdk.ts';

export interface SpanView {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  /** The proxy or service that recorded the span. */
  service: string;
  /** The span's resource `service.name` (a workload's proxy reports as `productpage.default`). */
  serviceName?: string;
  startMs: number;
  durationMs: number;
  status: 'unset' | 'ok' | 'error';
  attributes: Record<string, string | number | boolean>;
}

export interface TraceSummary {
  traceId: string;
  rootName: string;
  startMs: number;
  durationMs: number;
  spanCount: number;
  services: string[];
  error: boolean;
}

const KINDS: SpanView['kind'][] = ['internal', 'server', 'client', 'producer', 'consumer'];

export class SpanRing implements SpanExporter {
  private readonly capacity: number;
  private spans: SpanView[] = [];
  private listeners = new Set<() => void>();

  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    for (const s of spans) this.spans.push(toView(s));
    if (this.spans.length > this.capacity) this.spans = this.spans.slice(this.spans.length - this.capacity);
    for (const l of this.listeners) l();
    resultCallback({ code: 0 });
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  all(): readonly SpanView[] {
    return this.spans;
  }

  trace(traceId: string): SpanView[] {
    return this.spans.filter((s) => s.traceId === traceId).sort((a, b) => a.startMs - b.startMs);
  }

  /** Most recent traces first. */
  traces(limit = 50): TraceSummary[] {
    const byTrace = new Map<string, SpanView[]>();
    for (const s of this.spans) {
      const list = byTrace.get(s.traceId);
      if (list) list.push(s);
      else byTrace.set(s.traceId, [s]);
    }
    const summaries: TraceSummary[] = [];
    for (const [traceId, spans] of byTrace) {
      const start = Math.min(...spans.map((s) => s.startMs));
      const end = Math.max(...spans.map((s) => s.startMs + s.durationMs));
      const ids = new Set(spans.map((s) => s.spanId));
      const root = spans.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? spans[0]!;
      summaries.push({
        traceId,
        rootName: root.name,
        startMs: start,
        durationMs: end - start,
        spanCount: spans.length,
        services: [...new Set(spans.map((s) => s.service))],
        error: spans.some((s) => s.status === 'error'),
      });
    }
    return summaries.sort((a, b) => b.startMs - a.startMs).slice(0, limit);
  }
}

/** The proxy that recorded a span: Istio's node_id is `kind~ip~name.namespace~…`. */
function proxyName(span: ReadableSpan): string {
  const nodeId = span.attributes['node_id'];
  if (typeof nodeId === 'string') {
    const id = nodeId.split('~')[2];
    if (id) return id.slice(0, id.lastIndexOf('.') > 0 ? id.lastIndexOf('.') : undefined);
  }
  return String(span.attributes['meshlet.proxy'] ?? span.resource.attributes['service.name'] ?? 'unknown');
}

function toView(span: ReadableSpan): SpanView {
  const [sec, nanos] = span.startTime;
  const [dsec, dnanos] = span.duration;
  const attributes: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(span.attributes)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attributes[k] = v;
    else if (Array.isArray(v)) attributes[k] = v.join(',');
  }
  const parent = span.parentSpanContext?.spanId;
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name: span.name,
    kind: KINDS[span.kind] ?? 'internal',
    service: proxyName(span),
    serviceName: String(span.resource.attributes['service.name'] ?? 'unknown'),
    startMs: sec * 1000 + nanos / 1e6,
    durationMs: dsec * 1000 + dnanos / 1e6,
    status: span.status.code === 2 ? 'error' : span.status.code === 1 ? 'ok' : 'unset',
    attributes,
  };
}
