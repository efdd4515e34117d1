// MeshMetrics on its prom-client registry: valid exposition, Istio's buckets,
// and per-instance registries that do not collide, and reset.

import t from 'tap';
import { MeshMetrics, DURATION_BUCKETS, SIZE_BUCKETS } from '../../../mesh/telemetry/metrics.ts';
import { parseExposition, samplesOf } from '../../helpers/prom-text.ts';
import { labels } from './labels.ts';

t.test('requests: counter, and three histograms with Istio buckets that add up', async (t) => {
  const m = new MeshMetrics();
  m.recordRequest(labels(), 7, 120, 3000);
  m.recordRequest(labels(), 700, 0, 5);
  m.recordRequest(labels({ response_code: '503', response_flags: 'UH', source_workload: 'a "quoted"\\name' }), 1, 0, 0);
  const e = parseExposition(await m.render());
  t.equal(e.types.get('istio_requests_total'), 'counter');
  for (const h of ['istio_request_duration_milliseconds', 'istio_request_bytes', 'istio_response_bytes']) t.equal(e.types.get(h), 'histogram', `${h} is a histogram`);
  t.same(samplesOf(e, 'istio_requests_total', { response_code: '200' }).map((s) => s.value), [2]);
  t.same(samplesOf(e, 'istio_requests_total', { source_workload: 'a "quoted"\\name' }).map((s) => s.value), [1], 'label values are escaped and read back');

  const buckets = samplesOf(e, 'istio_request_duration_milliseconds_bucket', { response_code: '200' });
  t.same(buckets.map((b) => b.labels.le), [...DURATION_BUCKETS.map(String), '+Inf'], "Istio's duration buckets, in order");
  const at = (le: string): number | undefined => buckets.find((b) => b.labels.le === le)?.value;
  t.same([at('5'), at('10'), at('500'), at('1000'), at('+Inf')], [0, 1, 1, 2, 2], 'cumulative counts of 7 ms and 700 ms');
  t.same(samplesOf(e, 'istio_request_duration_milliseconds_sum', { response_code: '200' }).map((s) => s.value), [707]);
  t.same(samplesOf(e, 'istio_request_duration_milliseconds_count', { response_code: '200' }).map((s) => s.value), [2]);
  t.same(samplesOf(e, 'istio_response_bytes_bucket', { response_code: '200' }).map((b) => b.labels.le), [...SIZE_BUCKETS.map(String), '+Inf'], "Istio's size buckets");
  t.same(samplesOf(e, 'istio_request_bytes_sum', { response_code: '200' }).map((s) => s.value), [120]);
  t.equal(samplesOf(e, 'istio_tcp_connections_opened_total').length, 0, 'no TCP series from HTTP traffic');
});

t.test('tcp: all four counters per series from the first event', async (t) => {
  const m = new MeshMetrics();
  const tcp = labels({ request_protocol: 'tcp', response_code: '0' });
  m.recordTcp(tcp, { opened: true });
  m.recordTcp(tcp, { closed: true, sent: 10, received: 4 });
  const e = parseExposition(await m.render());
  t.same(
    ['istio_tcp_connections_opened_total', 'istio_tcp_connections_closed_total', 'istio_tcp_sent_bytes_total', 'istio_tcp_received_bytes_total'].map((n) => samplesOf(e, n).map((s) => s.value)),
    [[1], [1], [10], [4]],
  );
  t.equal(samplesOf(e, 'istio_requests_total').length, 0, 'TCP is not counted as requests');
  t.equal(m.count({ request_protocol: 'tcp' }), 0);
});

t.test('each MeshMetrics has its own registry; edges and count read the same traffic', async (t) => {
  const a = new MeshMetrics();
  const b = new MeshMetrics();
  a.recordRequest(labels(), 3, 0, 0);
  a.recordRequest(labels({ response_code: '503' }), 5, 0, 0);
  t.equal(samplesOf(parseExposition(await b.render()), 'istio_requests_total').length, 0, 'b saw nothing of a');
  t.equal(a.count({ destination_canonical_service: 'reviews' }), 2);
  const [edge] = a.edges({ reporter: 'destination' });
  t.equal(edge?.requests, 2);
  t.equal(edge?.errors, 1);
  t.equal(edge?.meanMs, 4);
  a.reset();
  t.equal(samplesOf(parseExposition(await a.render()), 'istio_requests_total').length, 0, 'reset empties the registry');
  t.equal(a.count({}), 0, 'and the tally');
});
