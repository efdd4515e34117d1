// An HPA on the mesh's request rate, in a whole cluster: Istio's helloworld
// sample (unchanged) behind its ingress Gateway, an autoscaling/v2 HPA with a
// `type: Pods` metric `istio_requests_per_second` (custom.metrics.k8s.io,
// computed from what each pod's sidecar received), and a bounded load through
// the ingress until helloworld-v1 scales out.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HorizontalPodAutoscaler } from '../../control/api/index.ts';
import { DEPLOYMENTS, HORIZONTAL_POD_AUTOSCALERS } from '../../control/api/index.ts';
import { startCluster } from '../helpers/cluster.ts';
import { ISTIO_SAMPLES } from '../helpers/reference.ts';
import { waitFor } from '../helpers/wait.ts';
import { clientFor } from '../apiserver/http-client.ts';

const MAX_REQUESTS = 3_000;
const LOAD_DEADLINE_MS = 90_000;

const yaml = ['helloworld.yaml', 'helloworld-gateway.yaml'].map((f) => readFileSync(join(ISTIO_SAMPLES, 'helloworld', f), 'utf8')).join('\n---\n');

t.test('a Pods metric from the sidecars request rate scales the Deployment', async (t) => {
  const cluster = await startCluster({ yaml, nodes: 1, hpaSyncPeriodMs: 1_000, metricResolutionMs: 2_000 });
  t.teardown(() => cluster.stop());
  const ingress = cluster.ingressUrl.replace(/\/$/, '');
  await waitFor('helloworld through the ingress', async () => (await fetch(`${ingress}/hello`)).status === 200, { timeoutMs: 60_000, intervalMs: 200 });

  await cluster.client.create(HORIZONTAL_POD_AUTOSCALERS, {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'helloworld-v1', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'helloworld-v1' },
      minReplicas: 1,
      maxReplicas: 3,
      metrics: [{ type: 'Pods', pods: { metric: { name: 'istio_requests_per_second' }, target: { type: 'AverageValue', averageValue: '2' } } }],
    },
  });

  let stopped = false;
  let sent = 0;
  const deadline = Date.now() + LOAD_DEADLINE_MS;
  const loop = async () => {
    while (!stopped && sent < MAX_REQUESTS && Date.now() < deadline) {
      sent++;
      await fetch(`${ingress}/hello`).then((r) => r.text()).catch(() => '');
    }
  };
  const load = [loop(), loop()];
  try {
    const http = clientFor(cluster.apiServer, cluster.token);
    const served = await waitFor('a nonzero request rate in custom.metrics.k8s.io', async () => {
      const r = await http.call('GET', '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/istio_requests_per_second?labelSelector=app%3Dhelloworld%2Cversion%3Dv1');
      const items = (r.json['items'] as { value: string; describedObject: { name: string } }[] | undefined) ?? [];
      return items.some((i) => i.value !== '0m') ? items : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    t.ok(served.every((i) => i.describedObject.name.startsWith('helloworld-v1-')), 'only the selected pods');

    const replicas = await waitFor('helloworld-v1 to scale out', async () => {
      const n = (await cluster.client.get(DEPLOYMENTS, 'default', 'helloworld-v1'))?.spec?.replicas ?? 0;
      return n > 1 ? n : undefined;
    }, { timeoutMs: LOAD_DEADLINE_MS, intervalMs: 500 });
    t.ok(replicas > 1 && replicas <= 3, `scaled to ${replicas}`);
  } finally {
    stopped = true;
    await Promise.all(load);
  }
  const hpa = (await cluster.client.get<HorizontalPodAutoscaler>(HORIZONTAL_POD_AUTOSCALERS, 'default', 'helloworld-v1'))!;
  t.match(hpa.status?.conditions?.find((c) => c.type === 'ScalingActive'), { status: 'True', message: /pods metric istio_requests_per_second/ });
  t.match(hpa.status?.currentMetrics?.[0], { type: 'Pods', pods: { metric: { name: 'istio_requests_per_second' }, current: { averageValue: /^\d+(m)?$/ } } });
  t.ok(sent <= MAX_REQUESTS, `bounded load: ${sent} requests`);
});
