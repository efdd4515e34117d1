import t from 'tap';
import type { Pod } from '../../control/api/index.ts';
import { ManualClock, PODS, REPLICA_SETS } from '../../control/api/index.ts';
import { createReplicaSetReconciler, startControllers } from '../../control/controllers/index.ts';
import { Expectations } from '../../control/controllers/expectations.ts';
import { newCluster, replicaSetManifest, waitFor } from './cluster.ts';

const pod = (uid: string, marked = false): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: uid, uid, resourceVersion: '1', creationTimestamp: '', ...(marked ? { deletionTimestamp: 'x' } : {}) } }) as Pod;
const uids = (pods: Pod[]) => pods.map((p) => p.metadata.uid).sort();

t.test('expectations correct a lagging cache until the informer reports the writes', async (t) => {
  const clock = new ManualClock(0);
  const e = new Expectations(clock);
  e.expectCreate('ns/rs', pod('new'));
  e.expectDelete('ns/rs', pod('old'));
  t.same(uids(e.apply('ns/rs', [pod('old'), pod('keep')])), ['keep', 'new'], 'created pod added, deleted pod dropped');
  t.same(uids(e.apply('ns/other', [pod('old')])), ['old'], 'other owners unaffected');
  e.observeAdd('ns/rs', pod('new'));
  t.same(uids(e.apply('ns/rs', [pod('old'), pod('keep'), pod('new')])), ['keep', 'new'], 'no double count once the cache has it');
  e.observeAdd('ns/rs', pod('old', true));
  t.same(uids(e.apply('ns/rs', [pod('old', true), pod('keep'), pod('new')])), ['keep', 'new', 'old'], 'a marked pod is the cache\'s to report again');

  e.expectCreate('ns/rs', pod('lost'));
  clock.advance(5 * 60_000 + 1);
  t.same(uids(e.apply('ns/rs', [])), [], 'expectations expire');
});

t.test('a ReplicaSet reading a cache that has not caught up does not create pods twice', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(REPLICA_SETS, replicaSetManifest('web', 3));
  let cache: Pod[] = [];
  const expectations = new Expectations();
  const reconciler = createReplicaSetReconciler({ client, recorder: { record: () => undefined }, pods: async () => cache, expectations });
  await reconciler.reconcile('default/web');
  await reconciler.reconcile('default/web');
  let live = (await client.list<Pod>(PODS, { namespace: 'default' })).items;
  t.equal(live.length, 3, 'the second pass counted the in-flight creations');
  t.match((await client.get(REPLICA_SETS, 'default', 'web'))?.status, { replicas: 3 });

  // The cache catches up; then a scale-down deletes two, which the cache has not seen go.
  cache = live;
  for (const p of live) expectations.observeAdd('default/web', p);
  await client.patch(REPLICA_SETS, 'default', 'web', 'merge', { spec: { replicas: 1 } });
  await reconciler.reconcile('default/web');
  await reconciler.reconcile('default/web');
  live = (await client.list<Pod>(PODS, { namespace: 'default' })).items;
  t.equal(live.length, 1, 'exactly two deleted, none recreated');
});

t.test('a ReplicaSet scaled up under the running controllers creates exactly the missing pods', async (t) => {
  const { client, close } = await newCluster();
  const controllers = await startControllers({ client });
  let added = 0;
  const watch = client.watch<Pod>(PODS, { namespace: 'default' }, (ev) => {
    if (ev.type === 'ADDED') added += 1;
  });
  t.teardown(async () => {
    watch.close();
    await controllers.stop();
    await close();
  });
  await client.create(REPLICA_SETS, replicaSetManifest('web', 60));
  await waitFor('60 pods', async () => (await client.list(PODS, { namespace: 'default' })).items.length === 60);
  await client.patch(REPLICA_SETS, 'default', 'web', 'merge', { spec: { replicas: 90 } });
  await waitFor('90 pods and idle', async () => controllers.idle() && (await client.list(PODS, { namespace: 'default' })).items.length === 90);
  t.equal(added, 90, 'no pod was created twice from a stale cache');
  await client.patch(REPLICA_SETS, 'default', 'web', 'merge', { spec: { replicas: 10 } });
  await waitFor('10 pods and idle', async () => controllers.idle() && (await client.list(PODS, { namespace: 'default' })).items.length === 10);
  t.equal(added, 90, 'scaling down made no new pods');
});
