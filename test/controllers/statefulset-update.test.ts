// StatefulSet updates against the in-process registry: RollingUpdate from the
// highest ordinal down to the partition, one pod at a time; OnDelete; the
// ControllerRevision history (current/update revisions, a rollback reusing
// its revision, revisionHistoryLimit).

import t from 'tap';
import type { Client, ControllerRevision } from '../../control/api/index.ts';
import type { Reconciler } from '../../control/runtime/index.ts';
import { CONTROLLER_REVISIONS, PODS, STATEFUL_SETS } from '../../control/api/index.ts';
import { createStatefulSetReconciler, templateOfRevision } from '../../control/controllers/index.ts';
import { newCluster } from './cluster.ts';
import { finishDeletions, getPod, getSet, noEvents, runPod, statefulSetManifest, terminating } from './statefulset-fixtures.ts';

const image = async (client: Client, name: string) => (await getPod(client, name)).spec?.containers[0]?.image;

/** Reconciles, plays the kubelet (deletions finish, new pods run), until nothing changes. */
async function settle(client: Client, sts: Reconciler): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await sts.reconcile('default/web');
    const finished = await finishDeletions(client);
    const pods = (await client.list(PODS, { namespace: 'default' })).items;
    const pending = pods.filter((p) => (p.status as { phase?: string } | undefined)?.phase !== 'Running');
    for (const p of pending) await runPod(client, p.metadata.name);
    if (finished.length === 0 && pending.length === 0) return;
  }
  throw new Error('the StatefulSet did not settle in 20 passes');
}

async function revisions(client: Client): Promise<ControllerRevision[]> {
  return (await client.list<ControllerRevision>(CONTROLLER_REVISIONS, { namespace: 'default' })).items.sort((a, b) => a.revision - b.revision);
}

t.test('RollingUpdate with a partition: highest ordinal first, one at a time, ordinals below the partition kept', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(STATEFUL_SETS, statefulSetManifest('web', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
  const sts = createStatefulSetReconciler({ client, recorder: noEvents });
  await settle(client, sts);
  const first = (await getSet(client)).status!.updateRevision!;

  await client.patch(STATEFUL_SETS, 'default', 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.8' }] } } } });
  await sts.reconcile('default/web');
  t.ok(terminating(await getPod(client, 'web-2')), 'web-2 is replaced first');
  t.notOk(terminating(await getPod(client, 'web-1')), 'web-1 waits');
  const mid = (await getSet(client)).status!;
  t.equal(mid.currentRevision, first, 'currentRevision stays until the rollout completes');
  t.not(mid.updateRevision, first, 'a new update revision');
  t.equal(mid.observedGeneration, 2);

  await finishDeletions(client);
  await sts.reconcile('default/web');
  t.equal(await image(client, 'web-2'), 'registry.k8s.io/nginx-slim:0.8', 'web-2 comes back at the update revision');
  await sts.reconcile('default/web');
  t.notOk(terminating(await getPod(client, 'web-1')), 'web-1 is not touched before web-2 is Running and Ready');
  await runPod(client, 'web-2');
  await sts.reconcile('default/web');
  t.ok(terminating(await getPod(client, 'web-1')), 'then web-1');

  await settle(client, sts);
  t.equal(await image(client, 'web-0'), 'registry.k8s.io/nginx-slim:0.7', 'web-0 is below the partition: kept');
  t.equal(await image(client, 'web-1'), 'registry.k8s.io/nginx-slim:0.8');
  const partitioned = (await getSet(client)).status!;
  t.match(partitioned, { replicas: 3, readyReplicas: 3, updatedReplicas: 2, currentReplicas: 1, currentRevision: first });
  t.equal((await getPod(client, 'web-0')).metadata.labels?.['controller-revision-hash'], first);

  await client.patch(STATEFUL_SETS, 'default', 'web', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
  await settle(client, sts);
  t.equal(await image(client, 'web-0'), 'registry.k8s.io/nginx-slim:0.8', 'partition 0: web-0 too');
  const done = (await getSet(client)).status!;
  t.match(done, { updatedReplicas: 3, currentReplicas: 3, readyReplicas: 3 });
  t.equal(done.currentRevision, done.updateRevision, 'complete: the update revision is current');
  const history = await revisions(client);
  t.same(history.map((r) => r.revision), [1, 2]);
  t.same(history.map((r) => r.metadata.name), [first, done.updateRevision]);
  t.equal(templateOfRevision(history[1]!)?.spec.containers[0]?.image, 'registry.k8s.io/nginx-slim:0.8', 'the revision holds the template');
});

t.test('OnDelete: a new template reaches a pod only when the pod is deleted', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(STATEFUL_SETS, statefulSetManifest('web', { replicas: 2, updateStrategy: { type: 'OnDelete' } }));
  const sts = createStatefulSetReconciler({ client, recorder: noEvents });
  await settle(client, sts);
  await client.patch(STATEFUL_SETS, 'default', 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.8' }] } } } });
  await settle(client, sts);
  t.same([await image(client, 'web-0'), await image(client, 'web-1')], ['registry.k8s.io/nginx-slim:0.7', 'registry.k8s.io/nginx-slim:0.7'], 'nothing was replaced');
  t.match((await getSet(client)).status, { updatedReplicas: 0, currentReplicas: 2 });

  await client.delete(PODS, 'default', 'web-1');
  await settle(client, sts);
  t.equal(await image(client, 'web-1'), 'registry.k8s.io/nginx-slim:0.8', 'the deleted pod came back updated');
  t.equal(await image(client, 'web-0'), 'registry.k8s.io/nginx-slim:0.7');
  t.match((await getSet(client)).status, { updatedReplicas: 1, currentReplicas: 1 });
});

t.test('rolling back reuses the earlier revision with the next number; history is cut to revisionHistoryLimit', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(STATEFUL_SETS, statefulSetManifest('web', { replicas: 1 }));
  const sts = createStatefulSetReconciler({ client, recorder: noEvents });
  await settle(client, sts);
  // A merge patch replaces the containers list: each tag below is one whole template.
  const setImage = (tag: string) => client.patch(STATEFUL_SETS, 'default', 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'nginx', image: `registry.k8s.io/nginx-slim:${tag}` }] } } } });
  await setImage('0.8');
  await settle(client, sts);
  const v08 = (await getSet(client)).status!.updateRevision!;
  await setImage('0.9');
  await settle(client, sts);
  await setImage('0.8');
  await settle(client, sts);
  const history = await revisions(client);
  t.equal(history.length, 3, 'no fourth revision');
  t.equal(history[2]!.metadata.name, v08, 'the 0.8 revision is reused');
  t.equal(history[2]!.revision, 4, 'and renumbered as the latest');
  t.match((await getSet(client)).status, { updateRevision: v08, currentRevision: v08 });
  t.equal((await getPod(client, 'web-0')).spec?.containers[0]?.image, 'registry.k8s.io/nginx-slim:0.8');

  await client.patch(STATEFUL_SETS, 'default', 'web', 'merge', { spec: { revisionHistoryLimit: 1 } });
  await sts.reconcile('default/web');
  t.same((await revisions(client)).map((r) => r.revision), [3, 4], 'one old revision kept beside the live one (revisionHistoryLimit 1)');
});

t.test('maxUnavailable: that many pods are replaced at once, highest first, counting pods already unavailable', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(STATEFUL_SETS, statefulSetManifest('web', { replicas: 4, podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } } }));
  const sts = createStatefulSetReconciler({ client, recorder: noEvents });
  await settle(client, sts);
  await client.patch(STATEFUL_SETS, 'default', 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'registry.k8s.io/nginx-slim:0.8' }] } } } });
  await sts.reconcile('default/web');
  const state = async () => Promise.all(['web-0', 'web-1', 'web-2', 'web-3'].map(async (n) => terminating(await getPod(client, n))));
  t.same(await state(), [false, false, true, true], 'web-3 and web-2 go together');
  await finishDeletions(client);
  await sts.reconcile('default/web');
  await runPod(client, 'web-3');
  await sts.reconcile('default/web');
  t.same(await state(), [false, true, false, false], 'web-2 is not back yet: room for one more');
  await settle(client, sts);
  t.same(await Promise.all(['web-0', 'web-1', 'web-2', 'web-3'].map((n) => image(client, n))), Array(4).fill('registry.k8s.io/nginx-slim:0.8'));
});
