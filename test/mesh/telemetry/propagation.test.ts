// The trace-context adapter over OpenTelemetry's W3C and B3 propagators:
// which headers are read (and which win), what is written for the next hop,
// sampled flags kept, and junk treated as no parent (a new root), never a throw.

import t from 'tap';
import type { SpanContext } from '@opentelemetry/api';
import { INVALID_SPAN_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { extractParent, injectContext } from '../../../mesh/telemetry/propagation.ts';

type HeaderMap = Record<string, string | string[] | undefined>;

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const B3_TRACE64 = '463ac35c9f6413ad';
const B3_SPAN = 'a2fb4a1d1a96d312';

interface ExtractCase {
  name: string;
  headers: HeaderMap;
  want?: { traceId: string; spanId: string; sampled: boolean };
}

const parents: ExtractCase[] = [
  { name: 'W3C sampled', headers: { traceparent: `00-${TRACE}-${SPAN}-01` }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  { name: 'W3C unsampled stays unsampled', headers: { traceparent: `00-${TRACE}-${SPAN}-00` }, want: { traceId: TRACE, spanId: SPAN, sampled: false } },
  { name: 'W3C flag bits other than sampled are not kept', headers: { traceparent: `00-${TRACE}-${SPAN}-03` }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  { name: 'W3C future version with extra fields', headers: { traceparent: `cc-${TRACE}-${SPAN}-01-what-the-future-holds` }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  { name: 'W3C repeated header: first wins', headers: { traceparent: [`00-${TRACE}-${SPAN}-01`, `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`] }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  { name: 'W3C wins over B3', headers: { traceparent: `00-${TRACE}-${SPAN}-00`, b3: `${'1'.repeat(32)}-${'2'.repeat(16)}-1`, 'x-b3-traceid': '3'.repeat(32), 'x-b3-spanid': '4'.repeat(16) }, want: { traceId: TRACE, spanId: SPAN, sampled: false } },
  { name: 'malformed W3C falls back to B3', headers: { traceparent: 'garbage', 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  { name: 'B3 single sampled', headers: { b3: `${TRACE}-${SPAN}-1` }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  { name: 'B3 single unsampled', headers: { b3: `${TRACE}-${SPAN}-0` }, want: { traceId: TRACE, spanId: SPAN, sampled: false } },
  { name: 'B3 single debug is sampled', headers: { b3: `${TRACE}-${SPAN}-d` }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  { name: 'B3 single with parent span id', headers: { b3: `${TRACE}-${SPAN}-0-${B3_SPAN}` }, want: { traceId: TRACE, spanId: SPAN, sampled: false } },
  { name: 'B3 single 64-bit trace id is left-padded', headers: { b3: `${B3_TRACE64}-${B3_SPAN}-1` }, want: { traceId: `${'0'.repeat(16)}${B3_TRACE64}`, spanId: B3_SPAN, sampled: true } },
  { name: 'B3 single deferred decision is traced', headers: { b3: `${TRACE}-${SPAN}` }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  { name: 'B3 single wins over multi', headers: { b3: `${TRACE}-${SPAN}-0`, 'x-b3-traceid': '3'.repeat(32), 'x-b3-spanid': '4'.repeat(16) }, want: { traceId: TRACE, spanId: SPAN, sampled: false } },
  { name: 'B3 multi sampled', headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '1' }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  { name: 'B3 multi sampled=true', headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': 'true' }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  { name: 'B3 multi unsampled', headers: { 'x-b3-traceid': B3_TRACE64, 'x-b3-spanid': B3_SPAN, 'x-b3-sampled': '0' }, want: { traceId: `${'0'.repeat(16)}${B3_TRACE64}`, spanId: B3_SPAN, sampled: false } },
  { name: 'B3 multi debug flag overrides unsampled', headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': '0', 'x-b3-flags': '1' }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  { name: 'B3 multi deferred decision is traced', headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN }, want: { traceId: TRACE, spanId: SPAN, sampled: true } },
  // Junk: each is no parent, so the hop starts a new root trace.
  { name: 'no headers', headers: {} },
  { name: 'W3C all-zero trace id', headers: { traceparent: `00-${'0'.repeat(32)}-${SPAN}-01` } },
  { name: 'W3C all-zero span id', headers: { traceparent: `00-${TRACE}-${'0'.repeat(16)}-01` } },
  { name: 'W3C version ff', headers: { traceparent: `ff-${TRACE}-${SPAN}-01` } },
  { name: 'W3C version 00 with trailing fields', headers: { traceparent: `00-${TRACE}-${SPAN}-01-junk` } },
  { name: 'W3C upper-case hex', headers: { traceparent: `00-${TRACE.toUpperCase()}-${SPAN}-01` } },
  { name: 'W3C short trace id', headers: { traceparent: `00-${TRACE.slice(2)}-${SPAN}-01` } },
  { name: 'W3C non-hex flags', headers: { traceparent: `00-${TRACE}-${SPAN}-zz` } },
  { name: 'W3C empty', headers: { traceparent: '' } },
  { name: 'W3C empty list', headers: { traceparent: [] } },
  { name: 'W3C binary junk', headers: { traceparent: '\u0000\u00ff--\uffff-' } },
  { name: 'B3 single deny-only "0"', headers: { b3: '0' } },
  { name: 'B3 single junk', headers: { b3: 'not-a-trace-at-all' } },
  { name: 'B3 single all-zero ids', headers: { b3: `${'0'.repeat(32)}-${'0'.repeat(16)}-1` } },
  { name: 'B3 single upper-case hex', headers: { b3: `${TRACE.toUpperCase()}-${SPAN.toUpperCase()}-1` } },
  { name: 'B3 multi without span id', headers: { 'x-b3-traceid': TRACE } },
  { name: 'B3 multi non-hex trace id', headers: { 'x-b3-traceid': 'g'.repeat(32), 'x-b3-spanid': SPAN } },
  { name: 'B3 multi 24-char span id', headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': `${SPAN}12345678` } },
  { name: 'B3 multi junk sampled value', headers: { 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-sampled': 'maybe' } },
];

t.test('extractParent: which parent each header set carries', async (t) => {
  for (const c of parents) {
    let got: SpanContext | undefined;
    t.doesNotThrow(() => { got = extractParent(c.headers); }, `${c.name}: no throw`);
    if (!c.want) {
      t.equal(got, undefined, `${c.name}: no parent (new root)`);
      continue;
    }
    t.same(
      got && { traceId: got.traceId, spanId: got.spanId, sampled: got.traceFlags === TraceFlags.SAMPLED, isRemote: got.isRemote },
      { ...c.want, isRemote: true },
      c.name,
    );
  }
});

t.test('extractParent: tracestate travels with a W3C parent as a parsed list', async (t) => {
  const parent = extractParent({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' });
  t.equal(parent?.traceState?.get('congo'), 't61rcWkgMzE');
  t.equal(parent?.traceState?.serialize(), 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7', 'order kept');
  const junk = extractParent({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'congo=t61rcWkgMzE,=nokey,BAD KEY=1' });
  t.equal(junk?.traceState?.serialize(), 'congo=t61rcWkgMzE', 'invalid list members are dropped, the valid ones kept');
  t.equal(extractParent({ b3: `${TRACE}-${SPAN}-1`, tracestate: 'congo=t61rcWkgMzE' })?.traceState, undefined, 'tracestate belongs to W3C only');
});

interface InjectCase {
  name: string;
  incoming: HeaderMap;
  span: SpanContext;
  parentSpanId?: string;
  want: HeaderMap;
}

const CHILD = 'b7ad6b7169203331';
const injects: InjectCase[] = [
  {
    name: 'sampled, with a parent: W3C and B3 multi, single b3 dropped',
    incoming: { b3: `${TRACE}-${SPAN}-1`, host: 'reviews' },
    span: { traceId: TRACE, spanId: CHILD, traceFlags: TraceFlags.SAMPLED },
    parentSpanId: SPAN,
    want: { host: 'reviews', traceparent: `00-${TRACE}-${CHILD}-01`, 'x-b3-traceid': TRACE, 'x-b3-spanid': CHILD, 'x-b3-sampled': '1', 'x-b3-parentspanid': SPAN },
  },
  {
    name: 'unsampled stays unsampled on both forms',
    incoming: { traceparent: `00-${TRACE}-${SPAN}-00` },
    span: { traceId: TRACE, spanId: CHILD, traceFlags: TraceFlags.NONE },
    parentSpanId: SPAN,
    want: { traceparent: `00-${TRACE}-${CHILD}-00`, 'x-b3-traceid': TRACE, 'x-b3-spanid': CHILD, 'x-b3-sampled': '0', 'x-b3-parentspanid': SPAN },
  },
  {
    name: 'a root span overwrites stale ids and drops a stale parent span id',
    incoming: { traceparent: 'garbage', 'x-b3-traceid': 'x', 'x-b3-spanid': 'y', 'x-b3-parentspanid': SPAN },
    span: { traceId: TRACE, spanId: CHILD, traceFlags: TraceFlags.SAMPLED },
    want: { traceparent: `00-${TRACE}-${CHILD}-01`, 'x-b3-traceid': TRACE, 'x-b3-spanid': CHILD, 'x-b3-sampled': '1' },
  },
  {
    name: 'only the sampled flag bit is written',
    incoming: {},
    span: { traceId: TRACE, spanId: CHILD, traceFlags: 0xff },
    want: { traceparent: `00-${TRACE}-${CHILD}-01`, 'x-b3-traceid': TRACE, 'x-b3-spanid': CHILD, 'x-b3-sampled': '1' },
  },
  {
    name: 'an invalid span (no-op tracer) leaves the headers as they came',
    incoming: { traceparent: `00-${TRACE}-${SPAN}-01`, b3: `${TRACE}-${SPAN}-1` },
    span: INVALID_SPAN_CONTEXT,
    parentSpanId: SPAN,
    want: { traceparent: `00-${TRACE}-${SPAN}-01`, b3: `${TRACE}-${SPAN}-1` },
  },
];

t.test('injectContext: what the next hop receives', async (t) => {
  for (const c of injects) {
    const headers: HeaderMap = { ...c.incoming };
    injectContext(headers, c.span, c.parentSpanId);
    t.same(headers, c.want, c.name);
  }
});

t.test('injectContext: the span\'s tracestate is written; what it writes reads back as the same parent', async (t) => {
  const parent = extractParent({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'congo=t61rcWkgMzE' });
  t.ok(parent?.traceState);
  const headers: HeaderMap = {};
  injectContext(headers, { traceId: TRACE, spanId: CHILD, traceFlags: TraceFlags.SAMPLED, traceState: parent?.traceState }, SPAN);
  t.equal(headers.tracestate, 'congo=t61rcWkgMzE');
  const next = extractParent(headers);
  t.same(next && [next.traceId, next.spanId, next.traceFlags], [TRACE, CHILD, TraceFlags.SAMPLED]);
  const b3Only = extractParent({ ...headers, traceparent: undefined });
  t.same(b3Only && [b3Only.traceId, b3Only.spanId, b3Only.traceFlags], [TRACE, CHILD, TraceFlags.SAMPLED], 'the B3 copy agrees with the W3C one');
});
