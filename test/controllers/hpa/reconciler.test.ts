import t from 'tap';
import type { Test } from 'tap';
import type { HorizontalPodAutoscaler, Pod } from '../../../control/api/index.ts';
import { DEPLOYMENTS, HORIZONTAL_POD_AUTOSCALERS, ManualClock, PODS } from '../../../control/api/index.ts';
import { createHpaReconciler } from '../../../control/controllers/hpa/index.ts';
import type { HpaMetricsClient, PodMetric } from '../../../control/controllers/hpa/index.ts';
import { MetricError } from '../../../control/controllers/hpa/replica-calculator.ts';
import { deploymentManifest, markPodRunning, newCluster, podManifest } from '../cluster.ts';

interface Recorded {
  type: string;
  reason: string;
  message: string;
}

/** A metrics source the test sets: milli-units per pod, for cpu, memory and one pods metric. */
function fakeMetrics(clock: ManualClock) {
  const usage: Record<string, Record<string, number>> = { cpu: {}, memory: {}, rps: {} };
  const toMap = (values: Record<string, number>) => new Map<string, PodMetric>(Object.entries(values).map(([k, v]) => [k, { value: v, timestampMs: clock.now(), windowMs: 15_000 }]));
  const client: HpaMetricsClient = {
    resourceMetrics: (_ns, resource) => toMap(usage[resource] ?? {}),
    podMetrics: (_ns, name) => {
      if (name !== 'rps') throw new MetricError('FailedGetPodsMetric', `unable to get metric ${name}`);
      return toMap(usage['rps']!);
    },
    objectMetric: () => {
      throw new MetricError('FailedGetObjectMetric', 'no object metrics in this test');
    },
  };
  return { usage, client };
}

async function setup(t: Test, metricsSpec?: unknown[], extra: Record<string, unknown> = {}) {
  const { client, close } = await newCluster();
  t.teardown(close);
  // Pods started "now"; an hour on, they are past the CPU initialization period.
  const clock = new ManualClock(Date.now() + 3_600_000);
  await client.create(DEPLOYMENTS, deploymentManifest('web', { replicas: 1 }));
  const container = { name: 'app', image: 'example/app:1', resources: { requests: { cpu: '200m', memory: '100Mi' } } };
  const pods: Pod[] = [];
  const addPod = async (name: string) => {
    const created = await client.create(PODS, podManifest(name, { app: 'web' }, { containers: [container] }));
    pods.push(await markPodRunning(client, created));
  };
  await addPod('web-a');
  await client.create(HORIZONTAL_POD_AUTOSCALERS, {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: metricsSpec ?? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...extra,
    },
  });
  const metrics = fakeMetrics(clock);
  const events: Recorded[] = [];
  const reconciler = createHpaReconciler({
    client,
    clock,
    metrics: metrics.client,
    pods: () => pods,
    downscaleStabilizationMs: 60_000,
    recorder: { record: (_o, type, reason, message) => void events.push({ type, reason, message }) },
  });
  const hpa = async () => (await client.get<HorizontalPodAutoscaler>(HORIZONTAL_POD_AUTOSCALERS, 'default', 'web'))!;
  const replicas = async () => (await client.get(DEPLOYMENTS, 'default', 'web'))!.spec?.replicas;
  return { client, clock, metrics, events, reconciler, hpa, replicas, addPod };
}

t.test('scales the Deployment up through its scale subresource and reports status, conditions and the event', async (t) => {
  const s = await setup(t);
  s.metrics.usage['cpu'] = { 'web-a': 250 };
  const result = await s.reconciler.reconcile('default/web');
  t.same(result, { requeueAfterMs: 15_000 }, 'comes back after the sync period');
  t.equal(await s.replicas(), 3, 'ceil(1 × 125% / 50%)');
  const hpa = await s.hpa();
  t.match(hpa.status, {
    currentReplicas: 1,
    desiredReplicas: 3,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 125, averageValue: '250m' } } }],
  });
  t.ok(hpa.status?.lastScaleTime, 'lastScaleTime set');
  const cond = (type: string) => hpa.status?.conditions?.find((c) => c.type === type);
  t.match(cond('AbleToScale'), { status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 3' });
  t.match(cond('ScalingActive'), { status: 'True', reason: 'ValidMetricFound' });
  t.match(cond('ScalingLimited'), { status: 'False', reason: 'DesiredWithinRange' });
  t.same(s.events, [{ type: 'Normal', reason: 'SuccessfulRescale', message: 'New size: 3; reason: cpu resource utilization (percentage of request) above target' }]);
});

t.test('scale-down waits for the stabilization window, then says all metrics are below target', async (t) => {
  const s = await setup(t);
  await s.client.patch(DEPLOYMENTS, 'default', 'web', 'merge', { spec: { replicas: 2 } });
  await s.addPod('web-b');
  s.metrics.usage['cpu'] = { 'web-a': 10, 'web-b': 10 };
  await s.reconciler.reconcile('default/web');
  t.equal(await s.replicas(), 2, 'the first sync remembers 2 as a recommendation');
  t.match((await s.hpa()).status?.conditions?.find((c) => c.type === 'AbleToScale'), { reason: 'ScaleDownStabilized' });
  s.clock.advance(61_000);
  await s.reconciler.reconcile('default/web');
  t.equal(await s.replicas(), 1);
  t.equal(s.events.at(-1)?.message, 'New size: 1; reason: All metrics below target');
});

t.test('several metrics: the highest proposal wins and names its metric', async (t) => {
  const s = await setup(t, [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '50Mi' } } },
    { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } },
  ]);
  s.metrics.usage['cpu'] = { 'web-a': 150 }; // 75% → 2
  s.metrics.usage['memory'] = { 'web-a': 100 * 2 ** 20 * 1000 }; // 100Mi / 50Mi → 2
  s.metrics.usage['rps'] = { 'web-a': 35_000 }; // 35 / 10 → 4
  await s.reconciler.reconcile('default/web');
  t.equal(await s.replicas(), 4);
  t.match(s.events.at(-1), { reason: 'SuccessfulRescale', message: 'New size: 4; reason: pods metric rps above target' });
  t.match((await s.hpa()).status?.currentMetrics, [
    { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 75 } } },
    { type: 'Resource', resource: { name: 'memory', current: { averageValue: '104857600' } } },
    { type: 'Pods', pods: { metric: { name: 'rps' }, current: { averageValue: '35' } } },
  ]);
});

t.test('an invalid metric is skipped on a scale-up but blocks a scale-down', async (t) => {
  const s = await setup(t, [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    { type: 'Pods', pods: { metric: { name: 'unknown' }, target: { type: 'AverageValue', averageValue: '10' } } },
  ]);
  s.metrics.usage['cpu'] = { 'web-a': 250 };
  await s.reconciler.reconcile('default/web');
  t.equal(await s.replicas(), 3, 'scale-up from the valid metric');
  s.metrics.usage['cpu'] = { 'web-a': 1 };
  s.clock.advance(120_000);
  await s.reconciler.reconcile('default/web');
  t.equal(await s.replicas(), 3, 'no scale-down while a metric is invalid');
  const active = (await s.hpa()).status?.conditions?.find((c) => c.type === 'ScalingActive');
  t.match(active, { status: 'False', reason: 'FailedGetPodsMetric', message: /unable to compute the replica count: unable to get metric unknown/ });
  t.match(s.events.at(-1), { type: 'Warning', reason: 'FailedComputeMetricsReplicas', message: /^invalid metrics \(1 invalid out of 2\), first error is: / });
});

t.test('min and max: a target outside the range is brought into it without metrics', async (t) => {
  const s = await setup(t);
  await s.client.patch(DEPLOYMENTS, 'default', 'web', 'merge', { spec: { replicas: 14 } });
  await s.reconciler.reconcile('default/web');
  t.equal(await s.replicas(), 10);
  t.equal(s.events.at(-1)?.message, 'New size: 10; reason: Current number of replicas above Spec.MaxReplicas');
  await s.client.patch(DEPLOYMENTS, 'default', 'web', 'merge', { spec: { replicas: 0 } });
  await s.reconciler.reconcile('default/web');
  t.equal(await s.replicas(), 0, 'a target scaled to zero is left alone');
  t.match((await s.hpa()).status?.conditions?.find((c) => c.type === 'ScalingActive'), { status: 'False', reason: 'ScalingDisabled' });
});

t.test('a missing target is FailedGetScale, and the HPA keeps being synced', async (t) => {
  const s = await setup(t);
  await s.client.delete(DEPLOYMENTS, 'default', 'web');
  const result = await s.reconciler.reconcile('default/web');
  t.same(result, { requeueAfterMs: 15_000 });
  t.match((await s.hpa()).status?.conditions?.find((c) => c.type === 'AbleToScale'), { status: 'False', reason: 'FailedGetScale' });
  t.match(s.events.at(-1), { type: 'Warning', reason: 'FailedGetScale' });
});

t.test('behavior policies limit the step', async (t) => {
  const s = await setup(t, undefined, { behavior: { scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } });
  s.metrics.usage['cpu'] = { 'web-a': 500 };
  await s.reconciler.reconcile('default/web');
  t.equal(await s.replicas(), 2, 'one pod per minute');
  t.match((await s.hpa()).status?.conditions?.find((c) => c.type === 'ScalingLimited'), { status: 'True', reason: 'ScaleUpLimit' });
});
