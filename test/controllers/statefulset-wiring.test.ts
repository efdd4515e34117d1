// The StatefulSet controller as startControllers runs it (informers, queue,
// scheduler, a stand-in kubelet): pod events move an OrderedReady set along,
// a deleted pod comes back, and deleting the set removes its pods but not its claims.

import t from 'tap';
import type { StatefulSet } from '../../control/api/index.ts';
import { PODS, STATEFUL_SETS } from '../../control/api/index.ts';
import { ensureDefaultStorageClass, startControllers } from '../../control/controllers/index.ts';
import { startScheduler } from '../../control/scheduler/index.ts';
import { createNode, kubeletStep, newCluster, nodeManifest, waitFor } from './cluster.ts';
import { claims, podNames, statefulSetManifest } from './statefulset-fixtures.ts';

t.test('startControllers runs StatefulSets: in order, self-healing, claims kept after the set is gone', async (t) => {
  const { client, close } = await newCluster();
  // As `meshlet up`: the default class (WaitForFirstConsumer) lets pods with unbound claims be scheduled.
  await ensureDefaultStorageClass(client);
  await createNode(client, nodeManifest('node-1'));
  const errors: string[] = [];
  const controllers = await startControllers({ client, onError: (name, key, err) => errors.push(`${name} ${key}: ${String(err)}`) });
  const scheduler = await startScheduler({ client });
  t.teardown(async () => {
    await scheduler.stop();
    await controllers.stop();
    await close();
  });
  const seen: string[][] = [];
  const until = <T>(what: string, check: () => Promise<T | undefined | false>) =>
    waitFor(what, async () => {
      seen.push(await podNames(client));
      await kubeletStep(client);
      return check();
    }, 30_000);

  await client.create(STATEFUL_SETS, statefulSetManifest('web'));
  await until('3 ready replicas', async () => {
    const set = await client.get<StatefulSet>(STATEFUL_SETS, 'default', 'web');
    return set?.status?.readyReplicas === 3 && set.status.currentRevision === set.status.updateRevision;
  });
  const firstWith = (name: string) => seen.findIndex((names) => names.includes(name));
  t.ok(firstWith('web-0') <= firstWith('web-1') && firstWith('web-1') <= firstWith('web-2'), `pods appeared in ordinal order: ${JSON.stringify(seen.filter((s, i) => i === 0 || JSON.stringify(s) !== JSON.stringify(seen[i - 1])))}`);

  const old = (await client.get(PODS, 'default', 'web-1'))!;
  await client.delete(PODS, 'default', 'web-1');
  await until('web-1 back', async () => {
    const pod = await client.get(PODS, 'default', 'web-1');
    return pod && pod.metadata.uid !== old.metadata.uid && (pod.status as { phase?: string } | undefined)?.phase === 'Running';
  });

  await client.delete(STATEFUL_SETS, 'default', 'web');
  await until('the pods collected with the set', async () => (await podNames(client)).length === 0);
  t.same((await claims(client)).map((c) => c.metadata.name), ['www-web-0', 'www-web-1', 'www-web-2'], 'claims retained');
  t.same(errors, [], 'no reconcile errors');
});
