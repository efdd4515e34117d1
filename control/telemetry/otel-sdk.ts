// The one adapter for the OpenTelemetry SDK. Mesh code only sees the
// @opentelemetry/api Tracer; the SDK pipeline (in-memory ring + optional OTLP
// exporter) is assembled here.
//
// Each workload's proxy reports as its own service, as Istio's proxies do
// (`service.name` = `productpage.default`): in OTel the service is a property
// of the Resource, and a Resource belongs to a tracer provider. So the
// pipeline keeps one light provider per service name (created on first use,
// a few small objects each) over ONE shared sampler and ONE set of span
// processors: hundreds of sidecars still mean one batch queue and one OTLP
// connection, and the OTLP exporter groups each batch into one ResourceSpans
// per service — which is what Jaeger/Tempo key their service list on.

import { tracing, resources } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { Tracer } from '@opentelemetry/api';

export type ReadableSpan = tracing.ReadableSpan;
export type SpanExporter = tracing.SpanExporter;

export interface TracerPipelineOptions {
  /** service.name of spans from `tracer()` (the process's own, not a workload's). */
  serviceName: string;
  exporters: SpanExporter[];
  /** OTLP/HTTP endpoint; defaults to OTEL_EXPORTER_OTLP_ENDPOINT when set. */
  otlpEndpoint?: string;
  /** Fraction of new traces sampled (parent decisions are honoured). Default 1 (Istio's demo profile). */
  sampleRatio?: number;
}

export interface TracerPipeline {
  /** A tracer reporting as the pipeline's own `serviceName`. */
  tracer(name: string): Tracer;
  /** A tracer reporting as `serviceName` (a workload, e.g. `productpage.default`); one provider per name, shared processors. */
  tracerFor(serviceName: string, scope?: string): Tracer;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Shared processors must be flushed and shut down once, by the pipeline, not
 * by each provider that feeds them; providers see this wrapper instead.
 */
class SharedProcessors implements tracing.SpanProcessor {
  constructor(private readonly processors: readonly tracing.SpanProcessor[]) {}

  onStart(span: tracing.Span, parentContext: Parameters<tracing.SpanProcessor['onStart']>[1]): void {
    for (const p of this.processors) p.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    for (const p of this.processors) p.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {}

  async shutdownAll(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.shutdown()));
  }
}

export function createTracerPipeline(options: TracerPipelineOptions): TracerPipeline {
  const processors: tracing.SpanProcessor[] = options.exporters.map((e) => new tracing.SimpleSpanProcessor(e));
  const endpoint = options.otlpEndpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint) {
    const url = endpoint.endsWith('/v1/traces') ? endpoint : `${endpoint.replace(/\/$/, '')}/v1/traces`;
    processors.push(new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  const shared = new SharedProcessors(processors);
  const sampler = new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(options.sampleRatio ?? 1) });
  const providers = new Map<string, tracing.BasicTracerProvider>();
  const providerFor = (serviceName: string): tracing.BasicTracerProvider => {
    let provider = providers.get(serviceName);
    if (!provider) {
      provider = new tracing.BasicTracerProvider({
        resource: resources.resourceFromAttributes({ 'service.name': serviceName }),
        sampler,
        spanProcessors: [shared],
      });
      providers.set(serviceName, provider);
    }
    return provider;
  };
  return {
    tracer: (name) => providerFor(options.serviceName).getTracer(name),
    tracerFor: (serviceName, scope = 'meshlet-proxy') => providerFor(serviceName).getTracer(scope),
    forceFlush: () => shared.forceFlush(),
    shutdown: () => shared.shutdownAll(),
  };
}
