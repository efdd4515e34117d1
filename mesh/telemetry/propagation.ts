// Trace context on the wire: W3C traceparent/tracestate and Zipkin B3
// (single `b3` header and multi x-b3-*), read on the way in and written on the
// way out, so a trace continues when apps forward these headers.

import type { SpanContext } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';

type HeaderMap = Record<string, string | string[] | undefined>;

function first(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

function validIds(traceId: string, spanId: string): boolean {
  return HEX32.test(traceId) && HEX16.test(spanId) && !/^0+$/.test(traceId) && !/^0+$/.test(spanId);
}

/** The remote parent carried by a request, if any (W3C wins over B3). */
export function extractParent(headers: HeaderMap): SpanContext | undefined {
  const tp = first(headers, 'traceparent');
  if (tp) {
    const m = tp.trim().toLowerCase().match(/^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/);
    if (m && m[1] !== 'ff' && validIds(m[2]!, m[3]!)) {
      const ts = first(headers, 'tracestate');
      return {
        traceId: m[2]!,
        spanId: m[3]!,
        traceFlags: parseInt(m[4]!, 16) & TraceFlags.SAMPLED,
        isRemote: true,
        traceState: ts ? new PassthroughTraceState(ts) : undefined,
      };
    }
  }
  const b3 = first(headers, 'b3');
  if (b3 && b3.includes('-')) {
    const [traceId, spanId, sampled] = b3.toLowerCase().split('-');
    const tid = traceId!.padStart(32, '0');
    if (spanId && validIds(tid, spanId)) {
      return { traceId: tid, spanId, traceFlags: sampled === '0' ? TraceFlags.NONE : TraceFlags.SAMPLED, isRemote: true };
    }
  }
  const xt = first(headers, 'x-b3-traceid');
  const xs = first(headers, 'x-b3-spanid');
  if (xt && xs) {
    const tid = xt.toLowerCase().padStart(32, '0');
    if (validIds(tid, xs.toLowerCase())) {
      const sampled = first(headers, 'x-b3-sampled');
      const flags = first(headers, 'x-b3-flags');
      return {
        traceId: tid,
        spanId: xs.toLowerCase(),
        traceFlags: sampled === '0' && flags !== '1' ? TraceFlags.NONE : TraceFlags.SAMPLED,
        isRemote: true,
      };
    }
  }
  return undefined;
}

/** Writes `span` as the parent for the next hop, in both W3C and B3 forms. */
export function injectContext(headers: HeaderMap, span: SpanContext, parentSpanId?: string): void {
  const sampled = (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  headers.traceparent = `00-${span.traceId}-${span.spanId}-${sampled ? '01' : '00'}`;
  const ts = span.traceState?.serialize();
  if (ts) headers.tracestate = ts;
  headers['x-b3-traceid'] = span.traceId;
  headers['x-b3-spanid'] = span.spanId;
  headers['x-b3-sampled'] = sampled ? '1' : '0';
  if (parentSpanId) headers['x-b3-parentspanid'] = parentSpanId;
  else delete headers['x-b3-parentspanid'];
  delete headers.b3;
}

/** A tracestate kept verbatim (meshlet adds no vendor entries). */
class PassthroughTraceState {
  constructor(private readonly raw: string) {}
  set(): PassthroughTraceState {
    return this;
  }
  unset(): PassthroughTraceState {
    return this;
  }
  get(): string | undefined {
    return undefined;
  }
  serialize(): string {
    return this.raw;
  }
}
