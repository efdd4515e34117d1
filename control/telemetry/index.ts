// control/telemetry: the tracing pipeline (OpenTelemetry SDK) and the
// in-memory span ring behind the dashboard.

export type { SpanView, TraceSummary } from './span-ring.ts';
export { SpanRing } from './span-ring.ts';
export type { TracerPipelineOptions, TracerPipeline } from './otel-sdk.ts';
export { createTracerPipeline } from './otel-sdk.ts';
