// The one adapter for the OpenTelemetry SDK. Mesh code only sees the
// @opentelemetry/api Tracer; the SDK pipeline (in-memory ring + optional OTLP
// exporter) is assembled here.

import { tracing, resources } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { Tracer } from '@opentelemetry/api';

export type ReadableSpan = tracing.ReadableSpan;
export type SpanExporter = tracing.SpanExporter;

export interface TracerPipelineOptions {
  serviceName: string;
  exporters: SpanExporter[];
  /** OTLP/HTTP endpoint; defaults to OTEL_EXPORTER_OTLP_ENDPOINT when set. */
  otlpEndpoint?: string;
  /** Fraction of new traces sampled (parent decisions are honoured). Default 1 (Istio's demo profile). */
  sampleRatio?: number;
}

export interface TracerPipeline {
  tracer(name: string): Tracer;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function createTracerPipeline(options: TracerPipelineOptions): TracerPipeline {
  const processors: tracing.SpanProcessor[] = options.exporters.map((e) => new tracing.SimpleSpanProcessor(e));
  const endpoint = options.otlpEndpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint) {
    const url = endpoint.endsWith('/v1/traces') ? endpoint : `${endpoint.replace(/\/$/, '')}/v1/traces`;
    processors.push(new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  const ratio = options.sampleRatio ?? 1;
  const provider = new tracing.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': options.serviceName }),
    sampler: new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: processors,
  });
  return {
    tracer: (name) => provider.getTracer(name),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
