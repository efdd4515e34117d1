import t from 'tap';
import type { ConfigMap, Deployment, ReplicaSet } from '../../control/api/index.ts';
import { CONFIG_MAPS, DEPLOYMENTS, PODS, REPLICA_SETS } from '../../control/api/index.ts';
import {
  FOREGROUND_FINALIZER, createDeploymentReconciler, createGarbageCollector, createReplicaSetReconciler, gcKey,
} from '../../control/controllers/index.ts';
import { deploymentManifest, listPods, newCluster, replicaSetManifest } from './cluster.ts';

const noEvents = { record: () => undefined };

async function withPods() {
  const cluster = await newCluster();
  const { client } = cluster;
  const gc = createGarbageCollector({ client });
  const rsReconciler = createReplicaSetReconciler({ client, recorder: noEvents });
  const collectPods = async () => {
    for (const p of await listPods(client)) await gc.reconcile(gcKey(PODS, 'default', p.metadata.name));
  };
  return { ...cluster, gc, rsReconciler, collectPods };
}

t.test('background: pods of a deleted ReplicaSet are deleted', async (t) => {
  const c = await withPods();
  t.teardown(c.close);
  await c.client.create(REPLICA_SETS, replicaSetManifest('web', 3));
  await c.client.create(REPLICA_SETS, replicaSetManifest('keep', 1));
  await c.rsReconciler.reconcile('default/web');
  await c.rsReconciler.reconcile('default/keep');
  await c.collectPods();
  t.equal((await listPods(c.client)).length, 4, 'pods with a live owner stay');
  await c.client.delete(REPLICA_SETS, 'default', 'web');
  t.notOk(await c.client.get(REPLICA_SETS, 'default', 'web'), 'background: the owner goes at once');
  await c.collectPods();
  const left = await listPods(c.client);
  t.same(left.map((p) => p.metadata.labels?.['app']), ['keep']);
});

t.test('background: an owner recreated under the same name does not adopt the old dependents', async (t) => {
  const c = await withPods();
  t.teardown(c.close);
  await c.client.create(REPLICA_SETS, replicaSetManifest('web', 1));
  await c.rsReconciler.reconcile('default/web');
  await c.client.delete(REPLICA_SETS, 'default', 'web');
  await c.client.create(REPLICA_SETS, replicaSetManifest('web', 1));
  await c.collectPods();
  t.equal((await listPods(c.client)).length, 0, 'the uid no longer matches, so the pod is garbage');
});

t.test('foreground: dependents go first, then the owner', async (t) => {
  const c = await withPods();
  t.teardown(c.close);
  await c.client.create(DEPLOYMENTS, deploymentManifest('web', { replicas: 2 }));
  await createDeploymentReconciler({ client: c.client, recorder: noEvents }).reconcile('default/web');
  const [rs] = (await c.client.list<ReplicaSet>(REPLICA_SETS, { namespace: 'default' })).items;
  await c.rsReconciler.reconcile(`default/${rs!.metadata.name}`);
  t.equal((await listPods(c.client)).length, 2);

  await c.client.delete(DEPLOYMENTS, 'default', 'web', { propagationPolicy: 'Foreground' });
  const marked = await c.client.get<Deployment>(DEPLOYMENTS, 'default', 'web');
  t.ok(marked?.metadata.deletionTimestamp, 'owner is only marked');
  t.same(marked?.metadata.finalizers, [FOREGROUND_FINALIZER]);

  const deployKey = gcKey(DEPLOYMENTS, 'default', 'web');
  const rsKey = gcKey(REPLICA_SETS, 'default', rs!.metadata.name);
  await c.gc.reconcile(deployKey);
  const rsMarked = await c.client.get<ReplicaSet>(REPLICA_SETS, 'default', rs!.metadata.name);
  t.ok(rsMarked?.metadata.deletionTimestamp, 'the ReplicaSet is deleted in the foreground too');
  t.ok(await c.client.get(DEPLOYMENTS, 'default', 'web'), 'owner waits while a blocking dependent exists');

  await c.gc.reconcile(rsKey);
  t.equal((await listPods(c.client)).length, 0, 'pods deleted');
  t.notOk(await c.client.get(REPLICA_SETS, 'default', rs!.metadata.name), 'ReplicaSet gone once its pods are');
  await c.gc.reconcile(deployKey);
  t.notOk(await c.client.get(DEPLOYMENTS, 'default', 'web'), 'finally the owner');
});

t.test('orphan: dependents lose the ownerReference and survive', async (t) => {
  const c = await withPods();
  t.teardown(c.close);
  await c.client.create(REPLICA_SETS, replicaSetManifest('web', 2));
  await c.rsReconciler.reconcile('default/web');
  await c.client.delete(REPLICA_SETS, 'default', 'web', { propagationPolicy: 'Orphan' });
  t.ok(await c.client.get(REPLICA_SETS, 'default', 'web'), 'owner waits for the orphaning');
  await c.gc.reconcile(gcKey(REPLICA_SETS, 'default', 'web'));
  t.notOk(await c.client.get(REPLICA_SETS, 'default', 'web'));
  await c.collectPods();
  const pods = await listPods(c.client);
  t.equal(pods.length, 2);
  t.ok(pods.every((p) => (p.metadata.ownerReferences ?? []).length === 0));
});

t.test('an object with one live and one dangling owner keeps living, minus the dangling reference', async (t) => {
  const c = await withPods();
  t.teardown(c.close);
  const owner = await c.client.create<ConfigMap>(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: 'default' } });
  await c.client.create(CONFIG_MAPS, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'dep',
      namespace: 'default',
      ownerReferences: [
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid },
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: 'uid-gone' },
      ],
    },
  });
  await c.gc.reconcile(gcKey(CONFIG_MAPS, 'default', 'dep'));
  const dep = await c.client.get(CONFIG_MAPS, 'default', 'dep');
  t.same(dep?.metadata.ownerReferences?.map((r) => r.name), ['owner']);
});
