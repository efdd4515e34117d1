import t from 'tap';
import type { CoreEvent, Pod } from '../../control/api/index.ts';
import { EVENTS, NODES, PODS } from '../../control/api/index.ts';
import { startScheduler } from '../../control/scheduler/index.ts';
import { createNode, newCluster, nodeManifest, podManifest, waitFor } from '../controllers/cluster.ts';

const getPod = async (client: Awaited<ReturnType<typeof newCluster>>['client'], name: string) => (await client.get<Pod>(PODS, 'default', name))!;

t.test('binds pending pods to nodes that fit and marks them PodScheduled', async (t) => {
  const { client, close } = await newCluster();
  await createNode(client, nodeManifest('node-1', { cpu: '2' }));
  await createNode(client, nodeManifest('node-2', { cpu: '2' }));
  const scheduler = await startScheduler({ client });
  t.teardown(async () => {
    await scheduler.stop();
    await close();
  });
  for (let i = 0; i < 6; i++) {
    await client.create(PODS, { ...podManifest(`p${i}`, { app: 'web' }), spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m' } } }] } });
  }
  await client.create(PODS, { ...podManifest('other', { app: 'x' }), spec: { schedulerName: 'someone-else', containers: [{ name: 'c', image: 'x' }] } });
  const pods = await waitFor('6 pods bound', async () => {
    const items = (await client.list<Pod>(PODS, { namespace: 'default' })).items.filter((p) => p.spec?.nodeName);
    return items.length === 6 ? items : undefined;
  });
  const perNode = new Map<string, number>();
  for (const p of pods) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
  t.same([...perNode.values()].sort(), [3, 3], 'spread evenly');
  const p0 = await waitFor('condition written', async () => {
    const p = await getPod(client, 'p0');
    return p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True') ? p : undefined;
  });
  t.equal(p0.status?.phase, 'Pending', 'the scheduler leaves the rest of status alone');
  await waitFor('scheduler idle', () => scheduler.idle());
  t.notOk((await getPod(client, 'other')).spec?.nodeName, 'a pod for another scheduler is left alone');
});

t.test('unschedulable pods get the kube-scheduler message and an event, and retry when a node appears', async (t) => {
  const { client, close } = await newCluster();
  await createNode(client, nodeManifest('node-1', { cpu: '1' }));
  await createNode(client, nodeManifest('node-2', { cpu: '8', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));
  const scheduler = await startScheduler({ client });
  t.teardown(async () => {
    await scheduler.stop();
    await close();
  });
  await client.create(PODS, { ...podManifest('big', { app: 'big' }), spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' } } }] } });
  const expected = '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}.';
  const cond = await waitFor('PodScheduled=False', async () => (await getPod(client, 'big')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'));
  t.match(cond, { reason: 'Unschedulable', message: expected });
  const event = await waitFor('FailedScheduling event', async () =>
    (await client.list<CoreEvent>(EVENTS, { namespace: 'default' })).items.find((e) => e.reason === 'FailedScheduling' && e.involvedObject.name === 'big'),
  );
  t.match(event, { type: 'Warning', message: expected, source: { component: 'default-scheduler' } });
  t.same(scheduler.unschedulablePods(), ['default/big']);

  await createNode(client, nodeManifest('node-3', { cpu: '4' }));
  const bound = await waitFor('bound after a node joined', async () => (await getPod(client, 'big')).spec?.nodeName);
  t.equal(bound, 'node-3');
  const scheduled = await waitFor('PodScheduled=True', async () => (await getPod(client, 'big')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'True'));
  t.ok(scheduled);
});

t.test('a node turning Ready, or a bound pod going away, lets waiting pods in', async (t) => {
  const { client, close } = await newCluster();
  const down = await createNode(client, nodeManifest('node-1', { pods: '1', ready: false }));
  const scheduler = await startScheduler({ client });
  t.teardown(async () => {
    await scheduler.stop();
    await close();
  });
  await client.create(PODS, podManifest('first', {}));
  await waitFor('first is unschedulable', async () => (await getPod(client, 'first')).status?.conditions?.find((c) => c.reason === 'Unschedulable')?.message === '0/1 nodes are available: 1 node(s) were not ready.');
  await client.updateStatus(NODES, { ...down, status: { ...down.status, conditions: [{ type: 'Ready', status: 'True' }] } });
  await waitFor('first bound', async () => (await getPod(client, 'first')).spec?.nodeName === 'node-1');

  await client.create(PODS, podManifest('second', {}));
  await waitFor('second waits: pod capacity', async () => (await getPod(client, 'second')).status?.conditions?.find((c) => c.reason === 'Unschedulable')?.message === '0/1 nodes are available: 1 Too many pods.');
  await client.delete(PODS, 'default', 'first', { gracePeriodSeconds: 0 });
  await waitFor('second bound once first is gone', async () => (await getPod(client, 'second')).spec?.nodeName === 'node-1');
  t.equal((await getPod(client, 'second')).spec?.nodeName, 'node-1', 'both pods placed in turn');
});

t.test('required pod anti-affinity holds across back-to-back decisions (assumed pods count)', async (t) => {
  const { client, close } = await newCluster();
  await createNode(client, nodeManifest('node-1'));
  await createNode(client, nodeManifest('node-2'));
  const scheduler = await startScheduler({ client });
  t.teardown(async () => {
    await scheduler.stop();
    await close();
  });
  const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname' }] } };
  await Promise.all(['db-0', 'db-1', 'db-2'].map((name) => client.create(PODS, { ...podManifest(name, { app: 'db' }), spec: { affinity, containers: [{ name: 'c', image: 'x' }] } })));
  const pods = await waitFor('two bound, one refused', async () => {
    const items = (await client.list<Pod>(PODS, { namespace: 'default' })).items;
    const refused = items.filter((p) => p.status?.conditions?.some((c) => c.reason === 'Unschedulable'));
    return items.filter((p) => p.spec?.nodeName).length === 2 && refused.length === 1 ? items : undefined;
  });
  t.same(pods.filter((p) => p.spec?.nodeName).map((p) => p.spec!.nodeName).sort(), ['node-1', 'node-2'], 'one per node');
  const refused = pods.find((p) => !p.spec?.nodeName)!;
  t.equal(refused.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message, "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules.");

  await createNode(client, nodeManifest('node-3'));
  await waitFor('third pod placed on the new node', async () => (await getPod(client, refused.metadata.name)).spec?.nodeName === 'node-3');
  t.equal((await getPod(client, refused.metadata.name)).spec?.nodeName, 'node-3', 'placed once a node joined');
});
