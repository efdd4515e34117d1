import t from 'tap';
import type { Deployment, ReplicaSet } from '../../control/api/index.ts';
import { newReplicaSetTarget, oldReplicaSetTargets, resolveIntOrPercent, rolloutLimits } from '../../control/controllers/index.ts';

function deployment(replicas: number, maxSurge: number | string, maxUnavailable: number | string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', uid: 'u', resourceVersion: '1', creationTimestamp: '' },
    spec: { replicas, selector: {}, template: { spec: { containers: [] } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } },
  };
}

function rs(name: string, replicas: number, available: number, created: string): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, uid: name, resourceVersion: '1', creationTimestamp: created },
    spec: { replicas, selector: {}, template: { spec: { containers: [] } } },
    status: { replicas, availableReplicas: available },
  };
}

t.test('int-or-percent: surge rounds up, unavailable rounds down, both zero allows one', async (t) => {
  const cases: [number | string, number, boolean, number][] = [
    ['25%', 3, true, 1],
    ['25%', 3, false, 0],
    ['50%', 5, true, 3],
    ['50%', 5, false, 2],
    [2, 10, true, 2],
    ['3', 10, false, 3],
  ];
  for (const [value, total, up, want] of cases) t.equal(resolveIntOrPercent(value, total, up, '25%'), want, `${value} of ${total}`);
  t.same(rolloutLimits(deployment(4, 0, 0)), { maxSurge: 0, maxUnavailable: 1 });
  t.same(rolloutLimits(deployment(4, '25%', '25%')), { maxSurge: 1, maxUnavailable: 1 });
});

t.test('the new ReplicaSet grows up to replicas + maxSurge in total', async (t) => {
  const cases: { name: string; d: Deployment; current: number; total: number; want: number }[] = [
    { name: 'fresh deployment', d: deployment(3, '25%', '25%'), current: 0, total: 0, want: 3 },
    { name: 'old set still full: one surge pod', d: deployment(4, 1, 0), current: 0, total: 4, want: 1 },
    { name: 'no room until old pods go', d: deployment(4, 1, 0), current: 1, total: 5, want: 1 },
    { name: 'room for two', d: deployment(4, 1, 0), current: 2, total: 3, want: 4 },
    { name: 'scale down after kubectl scale', d: deployment(2, 1, 0), current: 5, total: 5, want: 2 },
  ];
  for (const c of cases) t.equal(newReplicaSetTarget(c.d, c.current, c.total), c.want, c.name);
});

t.test('old ReplicaSets shrink only as far as availability allows, oldest first, unhealthy first', async (t) => {
  const d = deployment(4, 1, 0);
  const fresh = rs('new', 1, 0, '2026-01-03T00:00:00Z');
  t.same([...oldReplicaSetTargets(d, fresh, [rs('old', 4, 4, '2026-01-01T00:00:00Z')])], [], 'new pod not available yet: keep all 4 old');
  const ready = rs('new', 1, 1, '2026-01-03T00:00:00Z');
  t.same([...oldReplicaSetTargets(d, ready, [rs('old', 4, 4, '2026-01-01T00:00:00Z')])], [['old', 3]], 'one new available: one old may go');
  const mixed = oldReplicaSetTargets(deployment(4, 1, 1), rs('new', 2, 2, '2026-01-03T00:00:00Z'), [
    rs('older', 2, 1, '2026-01-01T00:00:00Z'),
    rs('old', 2, 2, '2026-01-02T00:00:00Z'),
  ]);
  t.same([...mixed].sort(), [['old', 1], ['older', 0]], 'the unavailable pod goes first, then available ones down to minAvailable 3 (2 new + 1 old)');
});
