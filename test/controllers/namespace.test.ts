import t from 'tap';
import type { KubeObject, ResourceType } from '../../control/api/index.ts';
import { CONFIG_MAPS, NAMESPACES, PODS, SERVICE_ACCOUNTS, SERVICES } from '../../control/api/index.ts';
import { DEFAULT_SERVICE_ACCOUNT, createNamespaceReconciler, createServiceAccountReconciler } from '../../control/controllers/index.ts';
import { newCluster } from './cluster.ts';

type Ns = KubeObject<{ finalizers?: string[] }, { phase?: string }>;

t.test('deleting a namespace empties it, then the namespace goes', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const reconciler = createNamespaceReconciler({ client });
  await client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await reconciler.reconcile('shop');
  const ns = (await client.get<Ns>(NAMESPACES, undefined, 'shop'))!;
  t.equal(ns.status?.phase, 'Active');
  t.same(ns.spec?.finalizers, ['kubernetes'], 'the finalizer lives in spec.finalizers');

  await client.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' } });
  await client.create(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'shop' }, spec: { ports: [{ port: 80 }] } });
  await client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  await client.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'default' } });

  await client.delete(NAMESPACES, undefined, 'shop');
  const marked = (await client.get<Ns>(NAMESPACES, undefined, 'shop'))!;
  t.ok(marked.metadata.deletionTimestamp, 'held by its finalizer');
  t.equal(marked.status?.phase, 'Terminating');

  const result = await reconciler.reconcile('shop');
  t.notOk(await client.get(NAMESPACES, undefined, 'shop'), 'namespace removed once empty');
  t.notOk(result && result.requeueAfterMs !== undefined, 'nothing left to wait for');
  for (const type of [CONFIG_MAPS, SERVICES, PODS] as ResourceType[]) t.equal((await client.list(type, { namespace: 'shop' })).items.length, 0, `${type.plural} deleted`);
  t.ok(await client.get(CONFIG_MAPS, 'default', 'other'), 'other namespaces untouched');
});

t.test('a terminating namespace waits for objects that are still going away', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const reconciler = createNamespaceReconciler({ client });
  await client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'x' }] } });
  await client.delete(NAMESPACES, undefined, 'shop');
  const result = await reconciler.reconcile('shop');
  t.ok(result && typeof result.requeueAfterMs === 'number', 'comes back later while the bound pod terminates');
  t.ok((await client.get(PODS, 'shop', 'p'))?.metadata.deletionTimestamp, 'the pod was asked to stop');
  t.ok(await client.get(NAMESPACES, undefined, 'shop'), 'namespace still there');
  // The node agent finishes the pod.
  await client.delete(PODS, 'shop', 'p', { gracePeriodSeconds: 0 });
  await reconciler.reconcile('shop');
  t.notOk(await client.get(NAMESPACES, undefined, 'shop'));
});

t.test('every live namespace gets a default ServiceAccount', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const reconciler = createServiceAccountReconciler({ client });
  await client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await reconciler.reconcile('shop');
  await reconciler.reconcile('shop');
  const sas = (await client.list(SERVICE_ACCOUNTS, { namespace: 'shop' })).items;
  t.same(sas.map((s) => s.metadata.name), [DEFAULT_SERVICE_ACCOUNT]);
  await reconciler.reconcile('missing');
  t.equal((await client.list(SERVICE_ACCOUNTS, { namespace: 'missing' })).items.length, 0);
});
