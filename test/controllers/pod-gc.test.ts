import t from 'tap';
import { NODES, PODS } from '../../control/api/index.ts';
import { createPodGcReconciler } from '../../control/controllers/index.ts';
import { createNode, newCluster, nodeManifest, podManifest } from './cluster.ts';

t.test('pods bound to a node that does not exist are removed for good; others stay', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await createNode(client, nodeManifest('alive'));
  await client.create(PODS, podManifest('on-alive', {}, { nodeName: 'alive' }));
  await client.create(PODS, podManifest('on-gone', {}, { nodeName: 'gone' }));
  await client.create(PODS, podManifest('unbound', {}));
  const reconciler = createPodGcReconciler({ client });
  await reconciler.reconcile('alive');
  t.ok(await client.get(PODS, 'default', 'on-alive'), 'a live node keeps its pods');
  await reconciler.reconcile('gone');
  t.notOk(await client.get(PODS, 'default', 'on-gone'), 'removed without waiting for an agent');
  t.ok(await client.get(PODS, 'default', 'unbound'));

  await client.delete(NODES, undefined, 'alive');
  await reconciler.reconcile('alive');
  t.notOk(await client.get(PODS, 'default', 'on-alive'), 'a deleted node takes its pods');
});
