// The cluster's /metrics (served by the dashboard): one exposition that parses,
// with the mesh's metric families, rate-limit counters, and process_*/nodejs_*.

import t from 'tap';
import { startCluster } from '../helpers/cluster.ts';
import { httpGet } from '../helpers/http.ts';
import { parseExposition, samplesOf } from '../helpers/prom-text.ts';

const cluster = await startCluster({ nodes: 1 });
t.teardown(() => cluster.stop());

t.test('/metrics parses and carries process metrics next to the mesh families', async (t) => {
  const res = await httpGet(`${cluster.dashboardUrl.replace(/\/$/, '')}/metrics`);
  t.equal(res.status, 200);
  t.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const e = parseExposition(res.body);
  t.equal(e.types.get('istio_requests_total'), 'counter');
  t.equal(e.types.get('istio_request_duration_milliseconds'), 'histogram');
  t.equal(e.types.get('istio_tcp_connections_opened_total'), 'counter');
  t.equal(e.types.get('meshlet_ratelimit_failure_mode_total'), 'counter', 'rate-limit counters');
  t.equal(e.types.get('process_cpu_user_seconds_total'), 'counter');
  t.ok((samplesOf(e, 'process_resident_memory_bytes')[0]?.value ?? 0) > 0, 'process_resident_memory_bytes');
  t.ok(samplesOf(e, 'nodejs_heap_size_used_bytes').length === 1, 'nodejs_heap_size_used_bytes');
  t.ok(e.types.has('nodejs_eventloop_lag_seconds'), 'event loop lag');
});
