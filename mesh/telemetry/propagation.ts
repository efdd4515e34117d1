// Trace context on the wire: W3C traceparent/tracestate and Zipkin B3
// (single `b3` header and multi x-b3-*), read on the way in and written on the
// way out, so a trace continues when apps forward these headers.
//
// The one adapter for @opentelemetry/core's W3C propagator and
// @opentelemetry/propagator-b3: the parsing and formatting are theirs; this
// file only fixes the precedence (W3C over B3), what is written (W3C and B3
// multi, as Envoy's Zipkin tracer does) and two meshlet choices noted below.

import type { SpanContext } from '@opentelemetry/api';
import { defaultTextMapGetter, defaultTextMapSetter, isSpanContextValid, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';

type HeaderMap = Record<string, string | string[] | undefined>;

const w3c = new W3CTraceContextPropagator();
// Extraction reads either B3 form (single `b3` first); injection writes multi.
const b3 = new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });

function first(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * B3 lets a caller defer the sampling decision (no sampled state at all); the
 * B3 propagator reads that as unsampled, which the parent-based sampler would
 * then drop. meshlet has always traced such requests, so a deferred decision
 * counts as sampled.
 */
function b3DefersSampling(headers: HeaderMap): boolean {
  const single = first(headers, 'b3');
  if (single) return !['0', '1', 'd'].includes(single.split('-')[2] ?? '');
  return first(headers, 'x-b3-sampled') === undefined && first(headers, 'x-b3-flags') === undefined;
}

/** The remote parent carried by a request, if any (W3C wins over B3); malformed headers count as absent. */
export function extractParent(headers: HeaderMap): SpanContext | undefined {
  const fromW3c = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
  if (fromW3c) {
    // Only the sampled bit means anything to meshlet; other flag bits are not forwarded.
    return { ...fromW3c, traceFlags: fromW3c.traceFlags & TraceFlags.SAMPLED };
  }
  const fromB3 = trace.getSpanContext(b3.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
  if (!fromB3) return undefined;
  return b3DefersSampling(headers) ? { ...fromB3, traceFlags: TraceFlags.SAMPLED } : fromB3;
}

/** Writes `span` as the parent for the next hop, as W3C and B3 multi headers (a single `b3` is dropped so the two cannot disagree). */
export function injectContext(headers: HeaderMap, span: SpanContext, parentSpanId?: string): void {
  if (!isSpanContextValid(span)) return;
  const ctx = trace.setSpanContext(ROOT_CONTEXT, { ...span, traceFlags: span.traceFlags & TraceFlags.SAMPLED });
  w3c.inject(ctx, headers, defaultTextMapSetter);
  b3.inject(ctx, headers, defaultTextMapSetter);
  // The B3 propagator never writes x-b3-parentspanid; Zipkin reads it to link the hop to its caller.
  if (parentSpanId) headers['x-b3-parentspanid'] = parentSpanId;
  else delete headers['x-b3-parentspanid'];
  delete headers.b3;
}
