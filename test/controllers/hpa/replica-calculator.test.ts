import t from 'tap';
import {
  MetricError, averageValueReplicas, objectAverageValueReplicas, objectValueReplicas, resourceUtilizationReplicas,
} from '../../../control/controllers/hpa/replica-calculator.ts';
import { NOW, metrics, pod } from './fixtures.ts';
import type { PodShape } from './fixtures.ts';

const calc = { tolerance: 0.1, cpuInitializationPeriodMs: 300_000, initialReadinessDelayMs: 30_000, nowMs: NOW };

// CPU Utilization target 50% of a 200m request: 100m per pod is on target.
const cases: { name: string; current: number; pods: PodShape[]; usage: Record<string, number>; want: number; utilization?: number }[] = [
  { name: 'on target: no change', current: 1, pods: [{ name: 'a' }], usage: { a: 100 }, want: 1, utilization: 50 },
  { name: 'within the 0.1 tolerance: no change', current: 1, pods: [{ name: 'a' }], usage: { a: 108 }, want: 1, utilization: 54 },
  { name: 'just outside the tolerance scales', current: 2, pods: [{ name: 'a' }, { name: 'b' }], usage: { a: 112, b: 112 }, want: 3, utilization: 56 },
  { name: 'ceil(current × usage / target) up', current: 1, pods: [{ name: 'a' }], usage: { a: 250 }, want: 3, utilization: 125 },
  { name: 'ceil(current × usage / target) down', current: 4, pods: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }], usage: { a: 20, b: 20, c: 20, d: 20 }, want: 1, utilization: 10 },
  {
    name: 'missing metrics count as 100% of request on a scale-down',
    current: 4,
    pods: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'm' }],
    usage: { a: 10, b: 10, c: 10 },
    want: 3,
  },
  {
    name: 'missing metrics count as 0% on a scale-up: the direction would flip, so no change',
    current: 3,
    pods: [{ name: 'a' }, { name: 'm1' }, { name: 'm2' }],
    usage: { a: 120 },
    want: 3,
  },
  {
    name: 'unready pods count as 0% on a scale-up',
    current: 2,
    pods: [{ name: 'a' }, { name: 'u', ready: false }],
    usage: { a: 200, u: 200 },
    want: 2,
  },
  { name: 'unready pods are left out of a scale-down', current: 2, pods: [{ name: 'a' }, { name: 'u', ready: false }], usage: { a: 20, u: 200 }, want: 1 },
  {
    name: 'pending, failed and deleting pods are ignored, not missing',
    current: 4,
    pods: [{ name: 'a' }, { name: 'b' }, { name: 'p', phase: 'Pending' }, { name: 'f', phase: 'Failed' }, { name: 'd', deleting: true }],
    usage: { a: 20, b: 20 },
    want: 1,
  },
  {
    name: 'a starting pod whose sample predates a full window since it turned ready is unready',
    current: 2,
    pods: [{ name: 'a' }, { name: 'new', startedMsAgo: 20_000, readySinceMsAgo: 5_000 }],
    usage: { a: 200, new: 400 },
    want: 2,
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const result = resourceUtilizationReplicas(c.current, 50, 'cpu', c.pods.map(pod), metrics(c.usage), calc);
    t.equal(result.replicas, c.want);
    if (c.utilization !== undefined) t.equal(result.utilization, c.utilization, 'status utilization is the integer percent of requests');
  });
}

t.test('errors name what is wrong', async (t) => {
  t.throws(() => resourceUtilizationReplicas(1, 50, 'cpu', [], metrics({}), calc), { message: 'no pods returned by selector while calculating replica count' });
  t.throws(() => resourceUtilizationReplicas(1, 50, 'cpu', [pod({ name: 'a' })], metrics({}), calc), { message: 'did not receive metrics for targeted pods (pods might be unready)' });
  const err = t.throws(() => resourceUtilizationReplicas(1, 50, 'cpu', [pod({ name: 'a', cpuRequest: null })], metrics({ a: 10 }), calc), {
    message: 'missing request for cpu in container web of Pod a',
  });
  t.ok(err instanceof MetricError);
});

t.test('AverageValue per pod (Pods metrics): missing pods take the target on a scale-down', async (t) => {
  t.equal(averageValueReplicas(2, 10_000, [pod({ name: 'a' }), pod({ name: 'b' })], metrics({ a: 15_000, b: 15_000 }), calc).replicas, 3);
  t.equal(averageValueReplicas(2, 10_000, [pod({ name: 'a' }), pod({ name: 'b' })], metrics({ a: 10_500, b: 10_500 }), calc).replicas, 2, 'within tolerance');
  // 3 pods, one without a metric: (1 + 1 + 10) / 3 = 4 → 0.4 × 3 → 2, not ceil(0.1 × 2) = 1.
  t.equal(averageValueReplicas(3, 10_000, [pod({ name: 'a' }), pod({ name: 'b' }), pod({ name: 'm' })], metrics({ a: 1000, b: 1000 }), calc).replicas, 2);
  t.equal(averageValueReplicas(2, 10_000, [pod({ name: 'a' }), pod({ name: 'b' })], metrics({ a: 15_000, b: 15_000 }), calc).averageMilli, 15_000);
});

t.test('Object metrics: Value scales the ready pods, AverageValue divides by the target', async (t) => {
  const pods = [pod({ name: 'a' }), pod({ name: 'b' }), pod({ name: 'u', ready: false })];
  t.equal(objectValueReplicas(3, 30_000, 10_000, pods, 0.1).replicas, 6, 'ceil(3.0 × 2 ready pods)');
  t.equal(objectValueReplicas(3, 10_500, 10_000, pods, 0.1).replicas, 3, 'within tolerance');
  t.equal(objectAverageValueReplicas(2, 50_000, 10_000, 0.1).replicas, 5);
  t.equal(objectAverageValueReplicas(5, 51_000, 10_000, 0.1).replicas, 5, 'within tolerance of 5 × 10');
});
