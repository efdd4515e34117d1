// Request rates for custom.metrics.k8s.io from the sidecars' request counts:
// per pod (inbound, reporter destination) and per Service, over the last
// window of a ManualClock.

import t from 'tap';
import { ManualClock } from '../../control/api/index.ts';
import { MeshMetrics } from '../../mesh/index.ts';
import type { RequestLabels } from '../../mesh/index.ts';
import { RequestRates, REQUESTS_PER_SECOND } from '../../control/cluster/request-rates.ts';

function labels(service: string): RequestLabels {
  const none = 'unknown';
  return {
    reporter: 'destination', source_workload: none, source_workload_namespace: none, source_principal: none, source_app: none, source_version: none,
    source_canonical_service: none, source_canonical_revision: none, source_cluster: none, destination_workload: service, destination_workload_namespace: 'default',
    destination_principal: none, destination_app: service, destination_version: 'v1', destination_service: `${service}.default.svc.cluster.local`,
    destination_canonical_service: service, destination_canonical_revision: 'v1', destination_service_name: service, destination_service_namespace: 'default',
    destination_cluster: 'Kubernetes', request_protocol: 'http', response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: 'none',
  };
}

t.test('rates per pod and per Service over the last window', async (t) => {
  const clock = new ManualClock(0);
  const metrics = new MeshMetrics();
  const rates = new RequestRates({ metrics, clock, resolutionMs: 10_000 });
  rates.start();
  t.equal(rates.window(), undefined, 'no window before two readings');
  const serve = (pod: string, n: number) => {
    for (let i = 0; i < n; i++) {
      metrics.recordRequest(labels('web'), 1, 0, 2);
      metrics.recordPodInbound(`default/${pod}`);
    }
  };
  serve('web-a', 30);
  serve('web-b', 10);
  clock.advance(10_000);
  t.same(rates.window(), { timestampMs: 10_000, windowMs: 10_000 });
  t.equal(rates.podRate(REQUESTS_PER_SECOND, 'default', 'web-a'), 3);
  t.equal(rates.podRate(REQUESTS_PER_SECOND, 'default', 'web-b'), 1);
  t.equal(rates.podRate(REQUESTS_PER_SECOND, 'default', 'idle'), 0, 'a pod without requests is at 0');
  t.equal(rates.serviceRate(REQUESTS_PER_SECOND, 'default', 'web'), 4);
  clock.advance(10_000);
  t.equal(rates.podRate(REQUESTS_PER_SECOND, 'default', 'web-a'), 0, 'no requests in the last window');
  t.equal(rates.podRate('other_metric', 'default', 'web-a'), 0);
  rates.stop();
});
