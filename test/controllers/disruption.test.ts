// The disruption controller: a PodDisruptionBudget's status from its pods and
// their controllers' scale — minAvailable / maxUnavailable as ints and
// percents, the DisruptionAllowed condition's reasons, disruptedPods expiring
// after two minutes (ManualClock + requeueAfterMs), and a pod without a
// controller failing safe.

import t from 'tap';
import type { Pod, PodDisruptionBudget, ReplicaSet } from '../../control/api/index.ts';
import { DEPLOYMENTS, ManualClock, POD_DISRUPTION_BUDGETS, PODS, REPLICA_SETS } from '../../control/api/index.ts';
import { DISRUPTED_POD_TIMEOUT_MS, createDisruptionReconciler, withControllerRefForTest } from './disruption-fixtures.ts';
import { markPodRunning, newCluster, podManifest, replicaSetManifest } from './cluster.ts';
import type { TestCluster } from './cluster.ts';

function pdbManifest(name: string, spec: Record<string, unknown>) {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels: { app: 'zk' } }, ...spec } };
}

/** A ReplicaSet wanting `replicas` pods and `ready` of `running` pods of it Running (the rest unready). */
async function workload(c: TestCluster, replicas: number, running: number, ready: number): Promise<ReplicaSet> {
  const rs = await c.client.create<ReplicaSet>(REPLICA_SETS, replicaSetManifest('zk', replicas, { app: 'zk' }));
  for (let i = 0; i < running; i++) {
    const pod = await c.client.create<Pod>(PODS, withControllerRefForTest(podManifest(`zk-${i}`, { app: 'zk' }, { nodeName: 'n1' }), rs));
    await markPodRunning(c.client, pod, { ready: i < ready });
  }
  return rs;
}

async function statusOf(c: TestCluster, name: string) {
  return (await c.client.get<PodDisruptionBudget>(POD_DISRUPTION_BUDGETS, 'default', name))!.status!;
}

const cases = [
  { name: 'minAvailable int: expected = pods', spec: { minAvailable: 2 }, replicas: 3, running: 3, ready: 3, want: { expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 } },
  { name: 'minAvailable int met exactly: none allowed', spec: { minAvailable: 2 }, replicas: 3, running: 3, ready: 2, want: { expectedPods: 3, currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 } },
  { name: 'minAvailable percent rounds up against the scale', spec: { minAvailable: '50%' }, replicas: 5, running: 4, ready: 4, want: { expectedPods: 5, currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 1 } },
  { name: 'maxUnavailable int against the scale', spec: { maxUnavailable: 1 }, replicas: 4, running: 4, ready: 4, want: { expectedPods: 4, currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 1 } },
  { name: 'maxUnavailable percent rounds up', spec: { maxUnavailable: '30%' }, replicas: 4, running: 4, ready: 3, want: { expectedPods: 4, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 } },
  { name: 'maxUnavailable 0: never', spec: { maxUnavailable: 0 }, replicas: 2, running: 2, ready: 2, want: { expectedPods: 2, currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 } },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const cluster = await newCluster();
    t.teardown(cluster.close);
    await workload(cluster, c.replicas, c.running, c.ready);
    await cluster.client.create(POD_DISRUPTION_BUDGETS, pdbManifest('zk-pdb', c.spec));
    const clock = new ManualClock(Date.parse('2026-12-03T10:00:00Z'));
    await createDisruptionReconciler({ client: cluster.client, clock }).reconcile('default/zk-pdb');
    const status = await statusOf(cluster, 'zk-pdb');
    t.match(status, { ...c.want, observedGeneration: 1 });
    const allowed = c.want.disruptionsAllowed > 0;
    t.match(status.conditions, [
      { type: 'DisruptionAllowed', status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods', lastTransitionTime: '2026-12-03T10:00:00.000Z' },
    ]);
  });
}

t.test('a Deployment\'s scale counts for the pods of its ReplicaSets', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const deployment = await cluster.client.create(DEPLOYMENTS, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'zk', namespace: 'default' },
    spec: { replicas: 6, selector: { matchLabels: { app: 'zk' } }, template: { metadata: { labels: { app: 'zk' } }, spec: { containers: [{ name: 'app', image: 'x' }] } } },
  });
  const rs = await cluster.client.create<ReplicaSet>(REPLICA_SETS, withControllerRefForTest(replicaSetManifest('zk-abc', 2, { app: 'zk' }), deployment));
  const pod = await cluster.client.create<Pod>(PODS, withControllerRefForTest(podManifest('zk-abc-1', { app: 'zk' }, { nodeName: 'n1' }), rs));
  await markPodRunning(cluster.client, pod);
  await cluster.client.create(POD_DISRUPTION_BUDGETS, pdbManifest('zk-pdb', { maxUnavailable: '50%' }));
  await createDisruptionReconciler({ client: cluster.client }).reconcile('default/zk-pdb');
  t.match(await statusOf(cluster, 'zk-pdb'), { expectedPods: 6, desiredHealthy: 3, currentHealthy: 1, disruptionsAllowed: 0 });
});

t.test('disruptedPods keep a pod out of currentHealthy for two minutes, then expire', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  await workload(cluster, 3, 3, 3);
  const clock = new ManualClock(Date.parse('2026-12-03T10:00:00Z'));
  const pdb = await cluster.client.create<PodDisruptionBudget>(POD_DISRUPTION_BUDGETS, pdbManifest('zk-pdb', { minAvailable: 1 }));
  await cluster.client.updateStatus(POD_DISRUPTION_BUDGETS, { ...pdb, status: { disruptedPods: { 'zk-0': '2026-12-03T10:00:00Z', gone: '2026-12-03T10:00:00Z' } } });
  const reconciler = createDisruptionReconciler({ client: cluster.client, clock });
  t.same(await reconciler.reconcile('default/zk-pdb'), { requeueAfterMs: DISRUPTED_POD_TIMEOUT_MS }, 'comes back when the entry expires');
  t.match(await statusOf(cluster, 'zk-pdb'), { currentHealthy: 2, disruptionsAllowed: 1, disruptedPods: { 'zk-0': '2026-12-03T10:00:00Z' } });
  t.notOk('gone' in (await statusOf(cluster, 'zk-pdb')).disruptedPods!, 'a pod that no longer exists is dropped');
  clock.advance(DISRUPTED_POD_TIMEOUT_MS);
  t.equal(await reconciler.reconcile('default/zk-pdb'), undefined);
  t.match(await statusOf(cluster, 'zk-pdb'), { currentHealthy: 3, disruptionsAllowed: 2, disruptedPods: {} });
});

t.test('a percent budget over a pod without a controller fails safe (SyncFailed, none allowed)', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const pod = await cluster.client.create<Pod>(PODS, podManifest('lonely', { app: 'zk' }, { nodeName: 'n1' }));
  await markPodRunning(cluster.client, pod);
  await cluster.client.create(POD_DISRUPTION_BUDGETS, pdbManifest('zk-pdb', { minAvailable: '50%' }));
  await createDisruptionReconciler({ client: cluster.client }).reconcile('default/zk-pdb');
  const status = await statusOf(cluster, 'zk-pdb');
  t.equal(status.disruptionsAllowed, 0);
  t.match(status.conditions, [{ type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "lonely"' }]);
});

t.test('a PDB without a selector selects nothing; observedGeneration follows spec changes', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  await workload(cluster, 2, 2, 2);
  await cluster.client.create(POD_DISRUPTION_BUDGETS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'none', namespace: 'default' }, spec: { minAvailable: 1 } });
  const reconciler = createDisruptionReconciler({ client: cluster.client });
  await reconciler.reconcile('default/none');
  t.match(await statusOf(cluster, 'none'), { expectedPods: 0, currentHealthy: 0, disruptionsAllowed: 0, observedGeneration: 1 });
  await cluster.client.patch(POD_DISRUPTION_BUDGETS, 'default', 'none', 'merge', { spec: { selector: { matchLabels: { app: 'zk' } } } });
  await reconciler.reconcile('default/none');
  t.match(await statusOf(cluster, 'none'), { expectedPods: 2, currentHealthy: 2, disruptionsAllowed: 1, observedGeneration: 2 });
});
