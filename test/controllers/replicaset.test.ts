import t from 'tap';
import type { Pod, ReplicaSet } from '../../control/api/index.ts';
import { NAMESPACES, PODS, REPLICA_SETS, isApiError } from '../../control/api/index.ts';
import { createReplicaSetReconciler } from '../../control/controllers/index.ts';
import { listPods, markPodRunning, newCluster, podManifest, replicaSetManifest } from './cluster.ts';

const noEvents = { record: () => undefined };

t.test('creates pods up to spec.replicas with a controller reference and generated names', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const rs = await client.create<ReplicaSet>(REPLICA_SETS, replicaSetManifest('web', 3));
  const reconciler = createReplicaSetReconciler({ client, recorder: noEvents });
  await reconciler.reconcile('default/web');
  await reconciler.reconcile('default/web');
  const pods = await listPods(client);
  t.equal(pods.length, 3, 'reconciling twice still makes exactly 3 pods');
  for (const p of pods) {
    t.match(p.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    t.same(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    t.equal(p.metadata.labels?.['app'], 'web');
  }
  const status = (await client.get<ReplicaSet>(REPLICA_SETS, 'default', 'web'))!.status!;
  t.match(status, { replicas: 3, readyReplicas: 0, availableReplicas: 0, fullyLabeledReplicas: 3, observedGeneration: 1 });
});

t.test('reports ready pods and deletes not-ready ones first when scaling down', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create<ReplicaSet>(REPLICA_SETS, replicaSetManifest('web', 3));
  const reconciler = createReplicaSetReconciler({ client, recorder: noEvents });
  await reconciler.reconcile('default/web');
  const pods = await listPods(client);
  const ready = [await markPodRunning(client, pods[0]!), await markPodRunning(client, pods[1]!)];
  await markPodRunning(client, pods[2]!, { ready: false });
  await reconciler.reconcile('default/web');
  t.match((await client.get<ReplicaSet>(REPLICA_SETS, 'default', 'web'))!.status, { replicas: 3, readyReplicas: 2, availableReplicas: 2 });

  await client.patch(REPLICA_SETS, 'default', 'web', 'merge', { spec: { replicas: 2 } });
  await reconciler.reconcile('default/web');
  const left = (await listPods(client)).map((p) => p.metadata.name).sort();
  t.same(left, ready.map((p) => p.metadata.name).sort(), 'the not-ready pod went first');
  const status = (await client.get<ReplicaSet>(REPLICA_SETS, 'default', 'web'))!.status!;
  t.match(status, { replicas: 2, readyReplicas: 2, observedGeneration: 2 });
});

t.test('replaces pods that finished or were deleted', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(REPLICA_SETS, replicaSetManifest('web', 2));
  const reconciler = createReplicaSetReconciler({ client, recorder: noEvents });
  await reconciler.reconcile('default/web');
  const [a, b] = await listPods(client);
  await client.delete(PODS, 'default', a!.metadata.name);
  await client.updateStatus(PODS, { ...b!, status: { phase: 'Failed' } });
  await reconciler.reconcile('default/web');
  const active = (await listPods(client)).filter((p) => p.status?.phase !== 'Failed');
  t.equal(active.length, 2);
  t.notOk(active.some((p) => p.metadata.name === a!.metadata.name || p.metadata.name === b!.metadata.name));
});

t.test('adopts orphan pods matching the selector and leaves other controllers\' pods alone', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create<Pod>(PODS, podManifest('stray', { app: 'web' }));
  await client.create<Pod>(PODS, {
    ...podManifest('owned-elsewhere', { app: 'web' }),
    metadata: { name: 'owned-elsewhere', namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'other', uid: 'u-other', controller: true }] },
  });
  const rs = await client.create<ReplicaSet>(REPLICA_SETS, replicaSetManifest('web', 1));
  await createReplicaSetReconciler({ client, recorder: noEvents }).reconcile('default/web');
  const pods = await listPods(client);
  t.equal(pods.length, 2, 'no new pod: the stray one was adopted');
  const stray = pods.find((p) => p.metadata.name === 'stray')!;
  t.equal(stray.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid);
  t.equal(pods.find((p) => p.metadata.name === 'owned-elsewhere')!.metadata.ownerReferences?.[0]?.uid, 'u-other');
});

t.test('a missing ReplicaSet is a no-op', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await createReplicaSetReconciler({ client, recorder: noEvents }).reconcile('default/nope');
  t.equal((await listPods(client)).length, 0);
});

t.test('a controlled pod relabelled out of the selector is released and replaced', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create<ReplicaSet>(REPLICA_SETS, replicaSetManifest('web', 2));
  const reconciler = createReplicaSetReconciler({ client, recorder: noEvents });
  await reconciler.reconcile('default/web');
  const [debug] = await listPods(client);
  await client.patch(PODS, 'default', debug!.metadata.name, 'merge', { metadata: { labels: { app: 'debug' } } });
  await reconciler.reconcile('default/web');
  const released = (await client.get<Pod>(PODS, 'default', debug!.metadata.name))!;
  t.same(released.metadata.ownerReferences ?? [], [], 'no longer controlled');
  const web = await listPods(client, 'default', 'app=web');
  t.equal(web.length, 2, 'a replacement keeps the count');
  t.notOk(web.some((p) => p.metadata.name === debug!.metadata.name));
});

t.test('pods that cannot be created leave a FailedCreate event and an error to retry', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await client.create(REPLICA_SETS, { ...replicaSetManifest('web', 1), metadata: { name: 'web', namespace: 'shop' } });
  await client.delete(NAMESPACES, undefined, 'shop'); // Terminating: the registry refuses new content
  const events: { type: string; reason: string; message: string }[] = [];
  const reconciler = createReplicaSetReconciler({ client, recorder: { record: (_o, type, reason, message) => events.push({ type, reason, message }) } });
  const err = await reconciler.reconcile('shop/web').then(() => undefined, (e: unknown) => e);
  t.ok(isApiError(err, 'Forbidden'), 'the error goes back to the work queue for a retry');
  t.match(events, [{ type: 'Warning', reason: 'FailedCreate', message: /^Error creating: .*being terminated/ }]);
});
