// The prom-client adapter: one process registry with process_*/nodejs_*, and
// several registries rendered as one exposition that still parses.

import t from 'tap';
import { MeshMetrics } from '../../../mesh/telemetry/metrics.ts';
import { processMetricsRegistry, renderRegistries } from '../../../mesh/telemetry/prometheus.ts';
import { RateLimitMetrics } from '../../../mesh/ratelimit/metrics.ts';
import { parseExposition, samplesOf } from '../../helpers/prom-text.ts';
import { labels } from './labels.ts';

t.test('process registry: process_* and nodejs_*, one per process, merged text still parses', async (t) => {
  t.equal(processMetricsRegistry(), processMetricsRegistry(), 'the same registry every time');
  const m = new MeshMetrics();
  m.recordRequest(labels(), 1, 0, 0);
  const rl = new RateLimitMetrics();
  const e = parseExposition(await renderRegistries([m.registry, rl.registry, processMetricsRegistry()]));
  t.equal(e.types.get('process_cpu_user_seconds_total'), 'counter');
  t.ok((samplesOf(e, 'process_resident_memory_bytes')[0]?.value ?? 0) > 0, 'resident memory is reported');
  t.ok((samplesOf(e, 'nodejs_heap_size_used_bytes')[0]?.value ?? 0) > 0, 'heap use is reported');
  t.equal(samplesOf(e, 'istio_requests_total')[0]?.value, 1, 'mesh metrics alongside');
  t.equal(e.types.get('meshlet_ratelimit_failure_mode_total'), 'counter', 'and rate-limit counters');
});
