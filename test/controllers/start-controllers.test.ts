import t from 'tap';
import type { Deployment, Endpoints, Pod } from '../../control/api/index.ts';
import { DEPLOYMENTS, ENDPOINTS, NAMESPACES, NODES, PODS, REPLICA_SETS, SERVICES, SERVICE_ACCOUNTS } from '../../control/api/index.ts';
import { startControllers } from '../../control/controllers/index.ts';
import { startScheduler } from '../../control/scheduler/index.ts';
import { createNode, deploymentManifest, kubeletStep, newCluster, nodeManifest, serviceManifest, waitFor } from './cluster.ts';

t.test('controllers + scheduler + a stand-in kubelet: deploy, serve, roll out, tear down', async (t) => {
  const { client, close } = await newCluster();
  await createNode(client, nodeManifest('node-1'));
  await createNode(client, nodeManifest('node-2'));
  const errors: string[] = [];
  const controllers = await startControllers({ client, onError: (name, key, err) => errors.push(`${name} ${key}: ${String(err)}`) });
  const scheduler = await startScheduler({ client });
  t.teardown(async () => {
    await scheduler.stop();
    await controllers.stop();
    await close();
  });
  /** Waits for `check`, running the stand-in kubelet between looks. */
  const until = <T>(what: string, check: () => Promise<T | undefined | false>) =>
    waitFor(what, async () => {
      await kubeletStep(client);
      return check();
    }, 15_000);

  await waitFor('default ServiceAccount', () => client.get(SERVICE_ACCOUNTS, 'default', 'default'));

  await client.create(DEPLOYMENTS, deploymentManifest('reviews', { replicas: 3 }));
  await client.create(SERVICES, serviceManifest('reviews', { app: 'reviews' }, [{ name: 'http', port: 9080, targetPort: 'http' }]));
  const done = (d: Deployment | undefined) =>
    d && (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && d.status?.updatedReplicas === 3 && d.status.availableReplicas === 3 && d.status.replicas === 3
      && d.status.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable');
  await until('first rollout', async () => done(await client.get<Deployment>(DEPLOYMENTS, 'default', 'reviews')));
  const pods = (await client.list<Pod>(PODS, { namespace: 'default' })).items;
  t.equal(pods.length, 3);
  t.ok(pods.every((p) => p.spec?.nodeName?.startsWith('node-')), 'every pod was scheduled');
  const ips = pods.map((p) => p.status!.podIP!).sort();
  const ep = await until('Endpoints list the 3 ready IPs', async () => {
    const e = await client.get<Endpoints>(ENDPOINTS, 'default', 'reviews');
    const got = (e?.subsets ?? []).flatMap((s) => s.addresses ?? []).map((a) => a.ip).sort();
    return JSON.stringify(got) === JSON.stringify(ips) ? e : undefined;
  });
  t.same(ep.subsets?.[0]?.ports, [{ name: 'http', port: 9080, protocol: 'TCP' }]);

  // Roll out a new image.
  const d = (await client.get<Deployment>(DEPLOYMENTS, 'default', 'reviews'))!;
  d.spec!.template.spec.containers[0]!.image = 'example/app:2';
  await client.update(DEPLOYMENTS, d);
  await until('second rollout', async () => {
    const cur = await client.get<Deployment>(DEPLOYMENTS, 'default', 'reviews');
    if (!done(cur)) return undefined;
    const live = (await client.list<Pod>(PODS, { namespace: 'default' })).items;
    return live.length === 3 && live.every((p) => p.spec?.containers[0]?.image === 'example/app:2');
  });
  const rsList = (await client.list(REPLICA_SETS, { namespace: 'default' })).items;
  t.equal(rsList.length, 2, 'old ReplicaSet kept at 0 for history');

  // A node goes away: its pods are removed and replaced on the other node.
  const victim = pods[0]!.spec!.nodeName!;
  await client.delete(NODES, undefined, victim);
  await until('all pods on the remaining node and available', async () => {
    const live = (await client.list<Pod>(PODS, { namespace: 'default' })).items;
    const cur = await client.get<Deployment>(DEPLOYMENTS, 'default', 'reviews');
    return live.length === 3 && live.every((p) => p.spec?.nodeName && p.spec.nodeName !== victim) && cur?.status?.availableReplicas === 3;
  });

  // kubectl scale.
  await client.patch(DEPLOYMENTS, 'default', 'reviews', 'merge', { spec: { replicas: 1 } }, { subresource: 'scale' });
  await until('scaled to 1', async () => (await client.list(PODS, { namespace: 'default' })).items.length === 1 && (await client.get<Deployment>(DEPLOYMENTS, 'default', 'reviews'))?.status?.replicas === 1);

  // Foreground deletion cascades through ReplicaSets to pods.
  await client.delete(DEPLOYMENTS, 'default', 'reviews', { propagationPolicy: 'Foreground' });
  await until('deployment, ReplicaSets and pods gone', async () =>
    !(await client.get(DEPLOYMENTS, 'default', 'reviews')) &&
    (await client.list(REPLICA_SETS, { namespace: 'default' })).items.length === 0 &&
    (await client.list(PODS, { namespace: 'default' })).items.length === 0,
  );
  await until('Endpoints emptied', async () => (await client.get<Endpoints>(ENDPOINTS, 'default', 'reviews'))?.subsets?.length === 0);

  // A namespace with content is emptied and removed.
  await client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await waitFor('ServiceAccount in shop', () => client.get(SERVICE_ACCOUNTS, 'shop', 'default'));
  await client.create(DEPLOYMENTS, { ...deploymentManifest('cart', { replicas: 2 }), metadata: { name: 'cart', namespace: 'shop' } });
  await until('cart pods running', async () => (await client.list<Pod>(PODS, { namespace: 'shop' })).items.filter((p) => p.status?.phase === 'Running').length === 2);
  await client.delete(NAMESPACES, undefined, 'shop');
  await until('namespace shop gone', async () => !(await client.get(NAMESPACES, undefined, 'shop')));

  await waitFor('controllers idle', () => controllers.idle() && scheduler.idle());
  t.same(errors.filter((e) => !/being terminated/.test(e)), [], 'no unexpected reconcile errors');
});
