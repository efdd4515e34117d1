// Trace context through two real sidecars (caller → callee → app): the app
// receives W3C and B3 multi headers that continue the caller's trace, an
// unsampled parent stays unsampled end to end, and junk headers start a new
// root trace while the request is still served.

import t from 'tap';
import { viaProxy, waitFor } from './fixtures.ts';
import { startTracedSidecars } from './traced-sidecars.ts';

const NET = '127.250.141';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const JUNK_TRACE = '0af7651916cd43dd8448eb211c80319c';

t.test('sidecars continue, keep unsampled, and restart traces from the headers they get', async (t) => {
  const { exporter, app } = await startTracedSidecars(t, NET);
  const call = async (headers: Record<string, string>) => {
    const before = app.requests.length;
    const res = await viaProxy({ host: `${NET}.10`, port: 15001 }, 'http://reviews:9080/reviews/0', { localAddress: `${NET}.10`, headers });
    t.equal(res.status, 200, res.body);
    t.equal(app.requests.length, before + 1, 'the app got the request');
    return app.requests[before]!.headers;
  };

  const single = await call({ b3: `${TRACE}-${SPAN}-1` });
  await waitFor(() => exporter.getFinishedSpans().length >= 2, 10_000, 'client and server spans');
  const spans = exporter.getFinishedSpans();
  const serverSpan = spans.find((s) => s.kind === 1);
  const clientSpan = spans.find((s) => s.kind === 2);
  t.equal(clientSpan?.spanContext().traceId, TRACE, 'a single b3 header is the caller\'s parent');
  t.equal(clientSpan?.parentSpanContext?.spanId, SPAN);
  t.equal(serverSpan?.parentSpanContext?.spanId, clientSpan?.spanContext().spanId, 'the callee continues the caller\'s hop');
  const serverSpanId = serverSpan?.spanContext().spanId;
  t.same(
    { traceparent: single.traceparent, b3: single.b3, traceid: single['x-b3-traceid'], spanid: single['x-b3-spanid'], sampled: single['x-b3-sampled'], parent: single['x-b3-parentspanid'] },
    { traceparent: `00-${TRACE}-${serverSpanId}-01`, b3: undefined, traceid: TRACE, spanid: serverSpanId, sampled: '1', parent: clientSpan?.spanContext().spanId },
    'the app gets W3C and B3 multi for the server span, no single b3',
  );

  exporter.reset();
  const unsampled = await call({ traceparent: `00-${TRACE}-${SPAN}-00` });
  t.match(unsampled.traceparent, new RegExp(`^00-${TRACE}-[0-9a-f]{16}-00$`), 'an unsampled parent stays unsampled');
  t.equal(unsampled['x-b3-sampled'], '0');

  const junk = await call({ traceparent: `00-${JUNK_TRACE}-${SPAN}-01-junk`, b3: 'junk', 'x-b3-traceid': 'nothex' });
  await waitFor(() => exporter.getFinishedSpans().length >= 2, 10_000, 'spans of the junk request');
  t.equal(exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE).length, 0, 'the unsampled request recorded no spans');
  const root = exporter.getFinishedSpans().find((s) => s.kind === 2);
  t.equal(root?.parentSpanContext, undefined, 'junk headers (a version-00 traceparent with extra fields): the caller\'s hop is a new root');
  t.not(root?.spanContext().traceId, JUNK_TRACE);
  t.match(junk.traceparent, new RegExp(`^00-${root?.spanContext().traceId}-[0-9a-f]{16}-01$`), 'and the app sees the new trace');
  t.equal(junk['x-b3-traceid'], root?.spanContext().traceId);
});
