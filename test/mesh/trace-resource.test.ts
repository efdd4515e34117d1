// Spans from real sidecars carry their workload's own service.name, as
// Istio's proxies report (`productpage.default`), and the inbound span names
// the local cluster `inbound|9080||`.

import t from 'tap';
import { viaProxy, waitFor } from './fixtures.ts';
import { startTracedSidecars } from './traced-sidecars.ts';

const NET = '127.250.39';

t.test('each sidecar reports as its workload; the inbound span names inbound|9080||', async (t) => {
  const { exporter } = await startTracedSidecars(t, NET);

  const res = await viaProxy({ host: `${NET}.10`, port: 15001 }, 'http://reviews:9080/reviews/0', { localAddress: `${NET}.10` });
  t.equal(res.status, 200, res.body);
  await waitFor(() => exporter.getFinishedSpans().length >= 2, 10_000, 'client and server spans');
  const spans = exporter.getFinishedSpans();
  const clientSpan = spans.find((s) => s.kind === 2);
  const serverSpan = spans.find((s) => s.kind === 1);
  t.equal(clientSpan?.resource.attributes['service.name'], 'productpage.default', 'the caller\'s sidecar reports as productpage.default');
  t.equal(serverSpan?.resource.attributes['service.name'], 'reviews.default', 'the callee\'s sidecar reports as reviews.default');
  t.equal(clientSpan?.attributes.upstream_cluster, 'outbound|9080||reviews.default.svc.cluster.local');
  t.equal(serverSpan?.attributes.upstream_cluster, 'inbound|9080||', 'the inbound span names the local cluster');
  t.equal(serverSpan?.attributes['upstream_cluster.name'], 'inbound|9080||');
  t.equal(serverSpan?.parentSpanContext?.spanId, clientSpan?.spanContext().spanId, 'one trace across both workloads');
});
