// The StatefulSet controller against the in-process registry: stable identity,
// OrderedReady and Parallel creation, scale-down from the highest ordinal,
// minReadySeconds on an injected clock, ordinals.start, failed pods replaced,
// and claims created before their pod, once, and kept.

import t from 'tap';
import type { ClaimVolume, Pod, PodSpecWithVolumes } from '../../control/api/index.ts';
import { ManualClock, PERSISTENT_VOLUME_CLAIMS, PODS, STATEFUL_SETS } from '../../control/api/index.ts';
import { createGarbageCollector, createStatefulSetReconciler, gcKey } from '../../control/controllers/index.ts';
import { newCluster } from './cluster.ts';
import { claims, finishDeletions, getPod, getSet, noEvents, podNames, runPod, statefulSetManifest, terminating } from './statefulset-fixtures.ts';

t.test('OrderedReady: web-N is created only once web-0..N-1 are Running and Ready', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const set = await client.create(STATEFUL_SETS, statefulSetManifest('web'));
  const sts = createStatefulSetReconciler({ client, recorder: noEvents });
  await sts.reconcile('default/web');
  await sts.reconcile('default/web');
  t.same(await podNames(client), ['web-0'], 'one pod, however often it reconciles');

  await runPod(client, 'web-0', false);
  await sts.reconcile('default/web');
  t.same(await podNames(client), ['web-0'], 'Running but not Ready holds web-1 back');

  await runPod(client, 'web-0');
  await sts.reconcile('default/web');
  t.same(await podNames(client), ['web-0', 'web-1']);
  await runPod(client, 'web-1');
  await sts.reconcile('default/web');
  await runPod(client, 'web-2');
  await sts.reconcile('default/web');
  t.same(await podNames(client), ['web-0', 'web-1', 'web-2']);

  const pod = await getPod(client, 'web-1');
  const status = (await getSet(client)).status!;
  t.match(pod.metadata.labels, {
    app: 'nginx',
    'statefulset.kubernetes.io/pod-name': 'web-1',
    'apps.kubernetes.io/pod-index': '1',
    'controller-revision-hash': status.updateRevision,
  });
  t.match(status.updateRevision, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/, 'revisions are named <set>-<hash>');
  t.equal(pod.spec?.hostname, 'web-1', 'hostname is the pod name');
  t.equal(pod.spec?.subdomain, 'nginx', 'subdomain is the governing service');
  t.same(pod.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  const volumes = (pod.spec as PodSpecWithVolumes).volumes ?? [];
  t.same(volumes.find((v: ClaimVolume) => v.name === 'www'), { name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } });
  t.match(status, { replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: 1, collisionCount: 0 });
  t.equal(status.currentRevision, status.updateRevision);
});

t.test('each claim is created before its pod, once, and outlives the pod', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(STATEFUL_SETS, statefulSetManifest('web', { replicas: 2, podManagementPolicy: 'Parallel' }));
  const sts = createStatefulSetReconciler({ client, recorder: noEvents });
  await sts.reconcile('default/web');
  const made = await claims(client);
  t.same(made.map((c) => c.metadata.name), ['www-web-0', 'www-web-1']);
  for (const claim of made) {
    const pod = await getPod(client, claim.metadata.name.replace(/^www-/, ''));
    t.ok(Number(claim.metadata.resourceVersion) < Number(pod.metadata.resourceVersion), `${claim.metadata.name} was written before its pod`);
    t.match(claim, { metadata: { labels: { app: 'nginx' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    t.same(claim.metadata.ownerReferences ?? [], [], 'Retain: the claim has no owner to be collected with');
  }
  const uid = made[0]!.metadata.uid;

  await runPod(client, 'web-0');
  await client.delete(PODS, 'default', 'web-0');
  await finishDeletions(client);
  await sts.reconcile('default/web');
  await sts.reconcile('default/web');
  t.same(await podNames(client), ['web-0', 'web-1'], 'web-0 came back under its own name');
  const again = await claims(client);
  t.equal(again.length, 2, 'no claim was made twice');
  t.equal(again[0]!.metadata.uid, uid, 'the new web-0 mounts the same claim');

  await client.delete(STATEFUL_SETS, 'default', 'web');
  const gc = createGarbageCollector({ client });
  for (const c of again) await gc.reconcile(gcKey(PERSISTENT_VOLUME_CLAIMS, 'default', c.metadata.name));
  t.same((await claims(client)).map((c) => c.metadata.name), ['www-web-0', 'www-web-1'], 'the claims outlive the StatefulSet');
});

t.test('persistentVolumeClaimRetentionPolicy whenDeleted: Delete makes the set an owner of its claims', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const set = await client.create(STATEFUL_SETS, statefulSetManifest('web', { replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } }));
  const sts = createStatefulSetReconciler({ client, recorder: noEvents });
  await sts.reconcile('default/web');
  const [claim] = await claims(client);
  t.match(claim?.metadata.ownerReferences, [{ kind: 'StatefulSet', name: 'web', uid: set.metadata.uid }]);
  await client.delete(STATEFUL_SETS, 'default', 'web');
  await createGarbageCollector({ client }).reconcile(gcKey(PERSISTENT_VOLUME_CLAIMS, 'default', 'www-web-0'));
  t.same(await claims(client), [], 'collected with the set');
});

t.test('Parallel creates every pod at once; OrderedReady scales down from the highest ordinal, one at a time', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(STATEFUL_SETS, statefulSetManifest('web', { podManagementPolicy: 'Parallel' }));
  const parallel = createStatefulSetReconciler({ client, recorder: noEvents });
  await parallel.reconcile('default/web');
  t.same(await podNames(client), ['web-0', 'web-1', 'web-2'], 'Parallel does not wait for readiness');

  await client.create(STATEFUL_SETS, { ...statefulSetManifest('db', { replicas: 3 }), spec: { ...statefulSetManifest('db').spec, selector: { matchLabels: { app: 'db' } }, template: { ...statefulSetManifest('db').spec.template, metadata: { labels: { app: 'db' } } } } });
  const sts = createStatefulSetReconciler({ client, recorder: noEvents });
  for (const n of [0, 1, 2]) {
    await sts.reconcile('default/db');
    await runPod(client, `db-${n}`);
  }
  await sts.reconcile('default/db');
  await client.patch(STATEFUL_SETS, 'default', 'db', 'merge', { spec: { replicas: 1 } });
  await sts.reconcile('default/db');
  t.ok(terminating(await getPod(client, 'db-2')), 'db-2, the highest ordinal, goes first');
  t.notOk(terminating(await getPod(client, 'db-1')), 'db-1 is untouched while db-2 terminates');
  t.match((await getSet(client, 'db')).status, { replicas: 3, currentReplicas: 2, updatedReplicas: 2 }, 'a terminating pod still counts as a replica, no longer as current or updated');
  await sts.reconcile('default/db');
  t.notOk(terminating(await getPod(client, 'db-1')), 'still untouched on the next pass');
  t.same(await finishDeletions(client), ['db-2']);
  await sts.reconcile('default/db');
  t.ok(terminating(await getPod(client, 'db-1')), 'then db-1');
  await finishDeletions(client);
  await sts.reconcile('default/db');
  t.same((await podNames(client)).filter((n) => n.startsWith('db-')), ['db-0']);
  t.match((await getSet(client, 'db')).status, { replicas: 1, readyReplicas: 1 });
  t.same(
    (await claims(client)).map((c) => c.metadata.name).filter((n) => n.includes('-db-')),
    ['www-db-0', 'www-db-1', 'www-db-2'],
    'scaling down keeps the claims (whenScaled: Retain)',
  );
});

t.test('OrderedReady does not scale down while another pod is broken', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(STATEFUL_SETS, statefulSetManifest('web'));
  const sts = createStatefulSetReconciler({ client, recorder: noEvents });
  for (const n of [0, 1, 2]) {
    await sts.reconcile('default/web');
    await runPod(client, `web-${n}`);
  }
  await runPod(client, 'web-0', false);
  await client.patch(STATEFUL_SETS, 'default', 'web', 'merge', { spec: { replicas: 2 } });
  await sts.reconcile('default/web');
  t.notOk(terminating(await getPod(client, 'web-2')), 'web-0 is not ready: nothing is removed');
  await runPod(client, 'web-0');
  await sts.reconcile('default/web');
  t.ok(terminating(await getPod(client, 'web-2')), 'healthy again: web-2 goes');
});

t.test('minReadySeconds: the next ordinal waits until the previous one has been ready that long', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const clock = new ManualClock(Date.now());
  await client.create(STATEFUL_SETS, statefulSetManifest('web', { replicas: 2, minReadySeconds: 30 }));
  const sts = createStatefulSetReconciler({ client, clock, recorder: noEvents });
  await sts.reconcile('default/web');
  await runPod(client, 'web-0');
  const result = await sts.reconcile('default/web');
  t.same(await podNames(client), ['web-0'], 'ready, but not for 30 s yet');
  t.ok(result && result.requeueAfterMs !== undefined && result.requeueAfterMs > 25_000 && result.requeueAfterMs <= 31_000, `comes back when it will be available (${JSON.stringify(result)})`);
  t.match((await getSet(client)).status, { readyReplicas: 1, availableReplicas: 0 });
  clock.advance(31_000);
  await sts.reconcile('default/web');
  t.same(await podNames(client), ['web-0', 'web-1']);
  t.match((await getSet(client)).status, { availableReplicas: 1 });
});

t.test('spec.ordinals.start numbers the pods from there', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(STATEFUL_SETS, statefulSetManifest('web', { replicas: 2, ordinals: { start: 5 }, podManagementPolicy: 'Parallel' }));
  const sts = createStatefulSetReconciler({ client, recorder: noEvents });
  await sts.reconcile('default/web');
  t.same(await podNames(client), ['web-5', 'web-6']);
  t.same((await claims(client)).map((c) => c.metadata.name), ['www-web-5', 'www-web-6']);
  t.equal((await getPod(client, 'web-6')).metadata.labels?.['apps.kubernetes.io/pod-index'], '6');
});

t.test('a Failed pod is deleted and made again under the same name', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(STATEFUL_SETS, statefulSetManifest('web', { replicas: 1 }));
  const events: string[] = [];
  const sts = createStatefulSetReconciler({ client, recorder: { record: (_o, _type, reason) => void events.push(reason) } });
  await sts.reconcile('default/web');
  const first = await runPod(client, 'web-0');
  await client.updateStatus<Pod>(PODS, { ...first, status: { ...first.status, phase: 'Failed' } });
  await sts.reconcile('default/web');
  await finishDeletions(client);
  await sts.reconcile('default/web');
  const again = await getPod(client, 'web-0');
  t.not(again.metadata.uid, first.metadata.uid, 'a new pod');
  t.same(events, ['SuccessfulCreate', 'SuccessfulCreate', 'RecreatingFailedPod', 'SuccessfulDelete', 'SuccessfulCreate'], 'claim + pod created, failed pod recreated');
});

t.test('whenScaled: Delete hands a condemned pod\'s claims to the pod, so they go with it', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(STATEFUL_SETS, statefulSetManifest('web', { replicas: 2, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } }));
  const sts = createStatefulSetReconciler({ client, recorder: noEvents });
  await sts.reconcile('default/web');
  await runPod(client, 'web-0');
  await sts.reconcile('default/web');
  const web1 = await runPod(client, 'web-1');
  await client.patch(STATEFUL_SETS, 'default', 'web', 'merge', { spec: { replicas: 1 } });
  await sts.reconcile('default/web');
  const byName = new Map((await claims(client)).map((c) => [c.metadata.name, c]));
  t.match(byName.get('www-web-1')?.metadata.ownerReferences, [{ kind: 'Pod', name: 'web-1', uid: web1.metadata.uid }]);
  t.same(byName.get('www-web-0')?.metadata.ownerReferences ?? [], [], 'the kept ordinal\'s claim stays unowned');
  await finishDeletions(client);
  await createGarbageCollector({ client }).reconcile(gcKey(PERSISTENT_VOLUME_CLAIMS, 'default', 'www-web-1'));
  t.same((await claims(client)).map((c) => c.metadata.name), ['www-web-0']);
});
