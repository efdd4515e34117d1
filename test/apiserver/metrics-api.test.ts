// metrics.k8s.io and custom.metrics.k8s.io served from samples (fakes of the
// sources here), and the HorizontalPodAutoscaler kind over REST: v2 stored,
// v1 converted both ways, validation, TARGETS columns.

import t from 'tap';
import type { Test } from 'tap';
import type { MeshRateSource, ResourceMetricsSource } from '../../control/api/index.ts';
import { HORIZONTAL_POD_AUTOSCALERS as HPA, NODES, PODS, SERVICES } from '../../control/api/index.ts';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { startApiServer } from '../../control/apiserver/index.ts';
import { clientFor } from './http-client.ts';

const TOKEN = 'metrics-token';
const T = Date.parse('2026-01-01T12:00:00Z');

const resources: ResourceMetricsSource = {
  podUsage: () => [
    { namespace: 'default', name: 'web-a', nodeName: 'node-1', timestampMs: T, windowMs: 15_000, containers: [{ name: 'app', cpuCores: 0.25, memoryBytes: 64 * 2 ** 20 }] },
    { namespace: 'default', name: 'db', nodeName: 'node-1', timestampMs: T, windowMs: 15_000, containers: [{ name: 'db', cpuCores: 0.001, memoryBytes: 2 ** 20 }] },
    { namespace: 'other', name: 'web-a', nodeName: 'node-1', timestampMs: T, windowMs: 15_000, containers: [{ name: 'app', cpuCores: 1, memoryBytes: 2 ** 30 }] },
  ],
  nodeUsage: () => [{ nodeName: 'node-1', timestampMs: T, windowMs: 15_000, cpuCores: 1.251, memoryBytes: 2 ** 30 }],
};

const rates: MeshRateSource = {
  metricNames: ['istio_requests_per_second'],
  window: () => ({ timestampMs: T, windowMs: 15_000 }),
  podRate: (_m, _ns, pod) => (pod === 'web-a' ? 12.5 : 0),
  serviceRate: (_m, _ns, svc) => (svc === 'web' ? 12.5 : 0),
};

async function setup(t: Test, withMetrics = true) {
  const store = new MemoryStore();
  const registry = createRegistry({ store });
  await registry.ensureNamespaces(['default', 'other']);
  const server = await startApiServer({ client: registry, token: TOKEN, ...(withMetrics ? { metrics: { resources, rates } } : {}) });
  t.teardown(() => server.close());
  for (const [ns, name, labels] of [['default', 'web-a', { app: 'web' }], ['default', 'db', { app: 'db' }], ['other', 'web-a', { app: 'web' }]] as const) {
    const pod = await registry.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: 'app', image: 'x' }] } });
    await registry.updateStatus(PODS, { ...pod, status: { phase: 'Running' } });
  }
  await registry.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { zone: 'a' } } });
  await registry.create(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  return { registry, http: clientFor(server, TOKEN) };
}

t.test('discovery lists the metrics groups only when a source is given', async (t) => {
  const { http } = await setup(t);
  const groups = (await http.call('GET', '/apis')).json['groups'] as { name: string; preferredVersion: { version: string } }[];
  t.match(groups.find((g) => g.name === 'metrics.k8s.io'), { preferredVersion: { version: 'v1beta1' } });
  t.match(groups.find((g) => g.name === 'custom.metrics.k8s.io'), { preferredVersion: { version: 'v1beta2' } });
  t.match(groups.find((g) => g.name === 'autoscaling'), { preferredVersion: { version: 'v2' } }, 'HPAs prefer v2');
  const list = await http.call('GET', '/apis/metrics.k8s.io/v1beta1');
  t.match(list.json, { groupVersion: 'metrics.k8s.io/v1beta1', resources: [{ name: 'nodes', kind: 'NodeMetrics', namespaced: false }, { name: 'pods', kind: 'PodMetrics', namespaced: true }] });
  const aggregated = await http.call('GET', '/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
  t.ok((aggregated.json['items'] as { metadata: { name?: string } }[]).some((i) => i.metadata.name === 'metrics.k8s.io'), 'aggregated discovery too');

  const bare = await setup(t, false);
  const none = (await bare.http.call('GET', '/apis')).json['groups'] as { name: string }[];
  t.notOk(none.some((g) => g.name === 'metrics.k8s.io'), 'no source, no group (kubectl top: Metrics API not available)');
  t.equal((await bare.http.call('GET', '/apis/metrics.k8s.io/v1beta1/pods')).status, 404);
});

t.test('PodMetrics: list per namespace and cluster-wide, labelSelector, get, window and timestamp', async (t) => {
  const { http } = await setup(t);
  const list = await http.call('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
  t.equal(list.status, 200);
  t.match(list.json, { kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1' });
  const items = list.json['items'] as { metadata: { name: string; labels?: Record<string, string> }; containers: { name: string; usage: { cpu: string; memory: string } }[]; window: string; timestamp: string }[];
  t.same(items.map((i) => i.metadata.name), ['db', 'web-a']);
  const web = items.find((i) => i.metadata.name === 'web-a')!;
  t.same(web.containers, [{ name: 'app', usage: { cpu: '250000000n', memory: '65536Ki' } }]);
  t.equal(web.window, '15s');
  t.equal(web.timestamp, '2026-01-01T12:00:00Z');
  t.same(web.metadata.labels, { app: 'web' }, 'the pod labels, as metrics-server copies them');
  const selected = await http.call('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb');
  t.same((selected.json['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name), ['web-a']);
  const all = await http.call('GET', '/apis/metrics.k8s.io/v1beta1/pods');
  t.equal((all.json['items'] as unknown[]).length, 3, 'all namespaces');
  const one = await http.call('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/other/pods/web-a');
  t.match(one.json, { kind: 'PodMetrics', metadata: { name: 'web-a', namespace: 'other' }, containers: [{ usage: { cpu: '1000000000n' } }] });
  const missing = await http.call('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope');
  t.equal(missing.status, 404);
  t.match(missing.json, { kind: 'Status', reason: 'NotFound', message: 'podmetrics.metrics.k8s.io "nope" not found' });
  const bad = await http.call('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%20in%20(');
  t.equal(bad.status, 400, 'a bad selector is a 400');
  const write = await http.call('DELETE', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-a');
  t.equal(write.status, 405);
  t.match(write.json, { reason: 'MethodNotAllowed', message: /read-only/ });
});

t.test('NodeMetrics: list, get and labelSelector on node labels', async (t) => {
  const { http } = await setup(t);
  const list = await http.call('GET', '/apis/metrics.k8s.io/v1beta1/nodes');
  t.match(list.json, { kind: 'NodeMetricsList', items: [{ metadata: { name: 'node-1' }, usage: { cpu: '1251000000n', memory: '1048576Ki' }, window: '15s' }] });
  t.equal(((await http.call('GET', '/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Db')).json['items'] as unknown[]).length, 0);
  t.equal((await http.call('GET', '/apis/metrics.k8s.io/v1beta1/nodes/node-1')).json['kind'], 'NodeMetrics');
  t.equal((await http.call('GET', '/apis/metrics.k8s.io/v1beta1/nodes/node-9')).status, 404);
});

t.test('custom.metrics.k8s.io serves the mesh request rate per pod and per Service', async (t) => {
  const { http } = await setup(t);
  const pods = await http.call('GET', '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/istio_requests_per_second?labelSelector=app%3Dweb');
  t.equal(pods.status, 200, pods.text);
  t.match(pods.json, {
    kind: 'MetricValueList',
    apiVersion: 'custom.metrics.k8s.io/v1beta2',
    items: [{ describedObject: { kind: 'Pod', name: 'web-a', namespace: 'default' }, metric: { name: 'istio_requests_per_second' }, value: '12500m', windowSeconds: 15 }],
  });
  t.equal((pods.json['items'] as unknown[]).length, 1);
  const svc = await http.call('GET', '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/services/web/istio_requests_per_second');
  t.match(svc.json, { items: [{ describedObject: { kind: 'Service', name: 'web' }, value: '12500m' }] });
  t.equal((await http.call('GET', '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/no_such_metric')).status, 404);
  const discovery = await http.call('GET', '/apis/custom.metrics.k8s.io/v1beta2');
  t.match(discovery.json, { resources: [{ name: 'pods/istio_requests_per_second' }, { name: 'services/istio_requests_per_second' }] });
});

const v1Hpa = {
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 50 },
};

t.test('HPA: a v1 object is stored as v2 and read back as either', async (t) => {
  const { http } = await setup(t);
  const created = await http.call('POST', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers', { body: v1Hpa });
  t.equal(created.status, 201, created.text);
  t.match(created.json, { apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 50, maxReplicas: 10 } });
  const v2 = await http.call('GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web');
  t.match(v2.json, { apiVersion: 'autoscaling/v2', spec: { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] } });
  t.notOk('targetCPUUtilizationPercentage' in (v2.json['spec'] as object));
  const patched = await http.call('PATCH', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web', {
    body: { spec: { targetCPUUtilizationPercentage: 70 } },
    contentType: 'application/merge-patch+json',
  });
  t.equal(patched.status, 200, patched.text);
  t.match(patched.json, { apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 70 } });
  const after = await http.call('GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web');
  t.match(after.json, { spec: { metrics: [{ resource: { target: { averageUtilization: 70 } } }] } });
  const listed = await http.call('GET', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers');
  t.match(listed.json, { kind: 'HorizontalPodAutoscalerList', apiVersion: 'autoscaling/v1', items: [{ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 70 } }] });
});

t.test('HPA: defaults and validation as kube-apiserver', async (t) => {
  const { http } = await setup(t);
  const bare = await http.call('POST', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', {
    body: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'bare' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3 } },
  });
  t.equal(bare.status, 201, bare.text);
  t.match(bare.json, { spec: { minReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] } });
  const bad = await http.call('POST', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers', {
    body: { ...v1Hpa, metadata: { name: 'bad' }, spec: { ...v1Hpa.spec, minReplicas: 5, maxReplicas: 2 } },
  });
  t.equal(bad.status, 422);
  t.match(bad.json, { reason: 'Invalid', details: { causes: [{ field: 'spec.maxReplicas', message: 'Invalid value: 2: must be greater than or equal to `minReplicas`' }] } });
  const badPolicy = await http.call('POST', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', {
    body: {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'policy' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 4000 }] } } },
    },
  });
  t.equal(badPolicy.status, 422);
  const fields = ((badPolicy.json['details'] as { causes: { field: string }[] }).causes).map((c) => c.field);
  t.ok(fields.includes('spec.behavior.scaleUp.policies[0].value') && fields.includes('spec.behavior.scaleUp.policies[0].periodSeconds'), fields.join(', '));
});

t.test('HPA table: kubectl get hpa columns and TARGETS', async (t) => {
  const { http, registry } = await setup(t);
  await http.call('POST', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers', { body: v1Hpa });
  const hpa = (await registry.get(HPA, 'default', 'web'))!;
  await registry.updateStatus(HPA, { ...hpa, status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 37, averageValue: '74m' } } }] } });
  const table = await http.call('GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  const columns = (table.json['columnDefinitions'] as { name: string }[]).map((c) => c.name);
  t.same(columns, ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
  const cells = (table.json['rows'] as { cells: unknown[] }[])[0]!.cells;
  t.same(cells.slice(0, 6), ['web', 'Deployment/web', 'cpu: 37%/50%', '1', 10, 2]);
});
