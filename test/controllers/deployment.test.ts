import t from 'tap';
import type { Deployment, ReplicaSet } from '../../control/api/index.ts';
import { DEPLOYMENTS, ManualClock, PODS, REPLICA_SETS } from '../../control/api/index.ts';
import { POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, createDeploymentProgressReconciler, createDeploymentReconciler, createReplicaSetReconciler, podTemplateHash } from '../../control/controllers/index.ts';
import type { TestCluster } from './cluster.ts';
import { deploymentManifest, listPods, markPodRunning, newCluster } from './cluster.ts';

const noEvents = { record: () => undefined };

/** What `kubectl rollout status` (1.32) concludes from a Deployment, word for word in spirit. */
function rolloutStatus(d: Deployment): { done: boolean; message: string } {
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return { done: false, message: 'Waiting for deployment spec update to be observed...' };
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { done: false, message: `deployment "${d.metadata.name}" exceeded its progress deadline` };
  const replicas = d.spec?.replicas ?? 1;
  if ((s.updatedReplicas ?? 0) < replicas) return { done: false, message: `${s.updatedReplicas ?? 0} out of ${replicas} new replicas have been updated` };
  if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return { done: false, message: `${(s.replicas ?? 0) - (s.updatedReplicas ?? 0)} old replicas are pending termination` };
  if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0)) return { done: false, message: `${s.availableReplicas ?? 0} of ${s.updatedReplicas} updated replicas are available` };
  return { done: true, message: `deployment "${d.metadata.name}" successfully rolled out` };
}

interface Harness {
  /** Runs deployment + ReplicaSet reconciles and plays the kubelet until the rollout settles; returns the observed (replicas of new, sum of old) after each round. */
  settle(name: string, options?: { ready?: boolean }): Promise<{ history: [number, number][]; maxTotal: number; minAvailable: number }>;
  deployment(name: string): Promise<Deployment>;
  replicaSets(): Promise<ReplicaSet[]>;
}

function harness(cluster: TestCluster): Harness {
  const { client } = cluster;
  const deployments = createDeploymentReconciler({ client, recorder: noEvents });
  const replicaSets = createReplicaSetReconciler({ client, recorder: noEvents });
  const rsList = async () => (await client.list<ReplicaSet>(REPLICA_SETS, { namespace: 'default' })).items;
  return {
    replicaSets: rsList,
    deployment: async (name) => (await client.get<Deployment>(DEPLOYMENTS, 'default', name))!,
    async settle(name, options = {}) {
      const history: [number, number][] = [];
      let maxTotal = 0;
      let minAvailable = Infinity;
      for (let round = 0; round < 50; round++) {
        await deployments.reconcile(`default/${name}`);
        for (const rs of await rsList()) await replicaSets.reconcile(`default/${rs.metadata.name}`);
        const pods = await listPods(client);
        maxTotal = Math.max(maxTotal, pods.length);
        for (const p of pods) if (p.status?.phase !== 'Running') await markPodRunning(client, p, { ready: options.ready ?? true });
        for (const rs of await rsList()) await replicaSets.reconcile(`default/${rs.metadata.name}`);
        minAvailable = Math.min(minAvailable, (await listPods(client)).filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length);
        await deployments.reconcile(`default/${name}`);
        const d = (await client.get<Deployment>(DEPLOYMENTS, 'default', name))!;
        const hash = podTemplateHash(d.spec!.template);
        const all = await rsList();
        const fresh = all.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash);
        history.push([fresh?.spec?.replicas ?? 0, all.filter((rs) => rs !== fresh).reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0)]);
        if (rolloutStatus(d).done) break;
        if (options.ready === false && round > 5) break;
      }
      return { history, maxTotal, minAvailable };
    },
  };
}

t.test('a new Deployment gets one ReplicaSet named after the template hash and rolls out', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const h = harness(cluster);
  await cluster.client.create(DEPLOYMENTS, deploymentManifest('web', { replicas: 3 }));
  const before = rolloutStatus(await h.deployment('web'));
  t.notOk(before.done, 'not rolled out before the controller ran');
  await h.settle('web');
  const d = await h.deployment('web');
  const [rs, ...rest] = await h.replicaSets();
  t.equal(rest.length, 0);
  const hash = podTemplateHash(d.spec!.template);
  t.equal(rs!.metadata.name, `web-${hash}`);
  t.equal(rs!.metadata.annotations?.[REVISION_ANNOTATION], '1');
  t.equal(rs!.spec!.template.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL], hash);
  t.equal(rs!.spec!.selector.matchLabels?.[POD_TEMPLATE_HASH_LABEL], hash);
  t.equal(rs!.metadata.ownerReferences?.[0]?.uid, d.metadata.uid);
  t.match(d.status, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0 });
  t.match(d.status?.conditions, [
    { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
    { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash}" has successfully progressed.` },
  ]);
  t.same(rolloutStatus(d), { done: true, message: 'deployment "web" successfully rolled out' });
  for (const p of await listPods(cluster.client)) t.equal(p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL], hash);
});

t.test('changing the image rolls forward within maxSurge/maxUnavailable and scales the old ReplicaSet to 0', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const h = harness(cluster);
  await cluster.client.create(DEPLOYMENTS, deploymentManifest('web', { replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
  await h.settle('web');
  const oldName = (await h.replicaSets())[0]!.metadata.name;

  const d0 = await h.deployment('web');
  d0.spec!.template.spec.containers[0]!.image = 'example/app:2';
  await cluster.client.update(DEPLOYMENTS, d0);
  t.notOk(rolloutStatus(await h.deployment('web')).done, 'rollout status waits for the new generation');
  const { history, maxTotal, minAvailable } = await h.settle('web');
  t.ok(history.length > 2, 'the rollout took several steps');
  t.ok(history.every(([n, o]) => n + o <= 5), `never more than replicas + maxSurge pods wanted: ${JSON.stringify(history)}`);
  t.ok(maxTotal <= 5, `at most 5 pods existed (saw ${maxTotal})`);
  t.ok(minAvailable >= 4, `never fewer than 4 ready pods (saw ${minAvailable})`);

  const d = await h.deployment('web');
  const all = await h.replicaSets();
  t.equal(all.length, 2);
  const fresh = all.find((rs) => rs.metadata.name !== oldName)!;
  const old = all.find((rs) => rs.metadata.name === oldName)!;
  t.equal(fresh.spec!.replicas, 4);
  t.equal(old.spec!.replicas, 0, 'old ReplicaSet scaled to 0 (kept as history)');
  t.equal(fresh.metadata.annotations?.[REVISION_ANNOTATION], '2');
  t.equal(fresh.spec!.template.spec.containers[0]!.image, 'example/app:2');
  t.match(d.status, { observedGeneration: 2, replicas: 4, updatedReplicas: 4, availableReplicas: 4 });
  t.match(d.status?.conditions?.find((c) => c.type === 'Progressing'), { status: 'True', reason: 'NewReplicaSetAvailable' });
  t.ok(rolloutStatus(d).done);
  const images = (await listPods(cluster.client)).map((p) => p.spec?.containers[0]?.image);
  t.same(images, ['example/app:2', 'example/app:2', 'example/app:2', 'example/app:2']);
});

t.test('Recreate scales the old ReplicaSet to 0 before the new one gets pods', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const h = harness(cluster);
  await cluster.client.create(DEPLOYMENTS, deploymentManifest('db', { replicas: 2, strategy: { type: 'Recreate' } }));
  await h.settle('db');
  const d0 = await h.deployment('db');
  d0.spec!.template.spec.containers[0]!.image = 'example/app:2';
  await cluster.client.update(DEPLOYMENTS, d0);
  const { history } = await h.settle('db');
  t.ok(history.every(([n, o]) => n === 0 || o === 0), `old and new never both wanted pods: ${JSON.stringify(history)}`);
  t.ok(rolloutStatus(await h.deployment('db')).done);
});

t.test('kubectl scale (the /scale subresource) is picked up', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const h = harness(cluster);
  await cluster.client.create(DEPLOYMENTS, deploymentManifest('web', { replicas: 2 }));
  await h.settle('web');
  await cluster.client.patch(DEPLOYMENTS, 'default', 'web', 'merge', { spec: { replicas: 5 } }, { subresource: 'scale' });
  t.notOk(rolloutStatus(await h.deployment('web')).done);
  await h.settle('web');
  t.equal((await listPods(cluster.client)).length, 5);
  t.match((await h.deployment('web')).status, { replicas: 5, updatedReplicas: 5, availableReplicas: 5 });
  await cluster.client.patch(DEPLOYMENTS, 'default', 'web', 'merge', { spec: { replicas: 1 } }, { subresource: 'scale' });
  await h.settle('web');
  t.equal((await listPods(cluster.client)).length, 1);
  t.equal((await h.replicaSets()).length, 1, 'scaling makes no new ReplicaSet');
});

t.test('revisionHistoryLimit keeps only that many old ReplicaSets', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const h = harness(cluster);
  await cluster.client.create(DEPLOYMENTS, deploymentManifest('web', { replicas: 1, revisionHistoryLimit: 1 }));
  await h.settle('web');
  for (const tag of ['2', '3', '4']) {
    const d = await h.deployment('web');
    d.spec!.template.spec.containers[0]!.image = `example/app:${tag}`;
    await cluster.client.update(DEPLOYMENTS, d);
    await h.settle('web');
  }
  const revisions = (await h.replicaSets()).map((rs) => rs.metadata.annotations?.[REVISION_ANNOTATION]).sort();
  t.same(revisions, ['3', '4']);
});

t.test('a rollout whose pods never get ready is not reported done', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const h = harness(cluster);
  await cluster.client.create(DEPLOYMENTS, deploymentManifest('web', { replicas: 2 }));
  await h.settle('web', { ready: false });
  const d = await h.deployment('web');
  t.match(rolloutStatus(d), { done: false, message: '0 of 2 updated replicas are available' });
  t.match(d.status?.conditions?.find((c) => c.type === 'Available'), { status: 'False', reason: 'MinimumReplicasUnavailable' });
  t.match(d.status?.conditions?.find((c) => c.type === 'Progressing'), { status: 'True', reason: /^(NewReplicaSetCreated|ReplicaSetUpdated)$/ });
});

t.test('no progress for progressDeadlineSeconds → Progressing=False ProgressDeadlineExceeded', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const clock = new ManualClock(Date.now());
  const deployments = createDeploymentReconciler({ client: cluster.client, clock, recorder: noEvents });
  const progress = createDeploymentProgressReconciler({ client: cluster.client, clock });
  await cluster.client.create(DEPLOYMENTS, { ...deploymentManifest('stuck', { replicas: 1 }), spec: { ...deploymentManifest('stuck', { replicas: 1 }).spec, progressDeadlineSeconds: 60 } });
  await deployments.reconcile('default/stuck');
  const wait = await progress.reconcile('default/stuck');
  t.ok(wait && wait.requeueAfterMs! > 59_000 && wait.requeueAfterMs! <= 60_001, 'sleeps until the deadline');
  clock.advance(61_000);
  await progress.reconcile('default/stuck');
  const d = (await cluster.client.get<Deployment>(DEPLOYMENTS, 'default', 'stuck'))!;
  t.match(d.status?.conditions?.find((c) => c.type === 'Progressing'), { status: 'False', reason: 'ProgressDeadlineExceeded', message: /^ReplicaSet "stuck-\w+" has timed out progressing\.$/ });
  t.match(rolloutStatus(d), { done: false, message: 'deployment "stuck" exceeded its progress deadline' });
  await deployments.reconcile('default/stuck');
  t.match((await cluster.client.get<Deployment>(DEPLOYMENTS, 'default', 'stuck'))!.status?.conditions?.find((c) => c.type === 'Progressing'), { reason: 'ProgressDeadlineExceeded' }, 'a reconcile without progress keeps the verdict');
});

t.test('rolling back to an earlier template reuses its ReplicaSet under a new revision', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const h = harness(cluster);
  await cluster.client.create(DEPLOYMENTS, deploymentManifest('web', { replicas: 2 }));
  await h.settle('web');
  const first = (await h.replicaSets())[0]!.metadata.name;
  const setImage = async (image: string) => {
    const d = await h.deployment('web');
    d.spec!.template.spec.containers[0]!.image = image;
    await cluster.client.update(DEPLOYMENTS, d);
    await h.settle('web');
  };
  await setImage('example/app:2');
  await setImage('example/app:1');
  const all = await h.replicaSets();
  t.equal(all.length, 2, 'no third ReplicaSet');
  const back = all.find((rs) => rs.metadata.name === first)!;
  t.equal(back.spec!.replicas, 2);
  t.equal(back.metadata.annotations?.[REVISION_ANNOTATION], '3');
  t.ok(rolloutStatus(await h.deployment('web')).done);
});

t.test('minReadySeconds: ready pods count as available only after the wait', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const clock = new ManualClock(Date.now());
  const replicaSets = createReplicaSetReconciler({ client: cluster.client, clock, recorder: noEvents });
  await cluster.client.create(REPLICA_SETS, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'slow', namespace: 'default' },
    spec: { replicas: 1, minReadySeconds: 30, selector: { matchLabels: { app: 'slow' } }, template: { metadata: { labels: { app: 'slow' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  await replicaSets.reconcile('default/slow');
  const [pod] = await listPods(cluster.client);
  await cluster.client.updateStatus(PODS, { ...pod!, status: { phase: 'Running', podIP: '127.244.9.9', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(clock.now()).toISOString() }] } });
  const result = await replicaSets.reconcile('default/slow');
  t.match((await cluster.client.get<ReplicaSet>(REPLICA_SETS, 'default', 'slow'))!.status, { readyReplicas: 1, availableReplicas: 0 });
  t.ok(result && result.requeueAfterMs! > 29_000 && result.requeueAfterMs! <= 30_001, 'comes back when the pod becomes available');
  clock.advance(30_001);
  await replicaSets.reconcile('default/slow');
  t.match((await cluster.client.get<ReplicaSet>(REPLICA_SETS, 'default', 'slow'))!.status, { readyReplicas: 1, availableReplicas: 1 });
});

t.test('podTemplateHash ignores the hash label, key order, nulls and empty values', async (t) => {
  const base = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
  const h = podTemplateHash(base);
  t.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  const fromGo = { metadata: { creationTimestamp: null, labels: { app: 'web', [POD_TEMPLATE_HASH_LABEL]: 'zzz' } }, spec: { containers: [{ image: 'x:1', name: 'c', resources: {} }] } };
  t.equal(podTemplateHash(fromGo as never), h);
  t.not(podTemplateHash({ ...base, spec: { containers: [{ name: 'c', image: 'x:2' }] } }), h, 'a real change changes the hash');
});

t.test('Recreate waits for terminating old pods before the new ReplicaSet starts', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const h = harness(cluster);
  await cluster.client.create(DEPLOYMENTS, deploymentManifest('db', { replicas: 1, strategy: { type: 'Recreate' } }));
  await h.settle('db');
  const [old] = await listPods(cluster.client);
  await cluster.client.patch(PODS, 'default', old!.metadata.name, 'merge', { spec: { nodeName: 'node-1' } });
  const d0 = await h.deployment('db');
  d0.spec!.template.spec.containers[0]!.image = 'example/app:2';
  await cluster.client.update(DEPLOYMENTS, d0);
  const deployments = createDeploymentReconciler({ client: cluster.client, recorder: noEvents });
  const replicaSets = createReplicaSetReconciler({ client: cluster.client, recorder: noEvents });
  await deployments.reconcile('default/db');
  for (const rs of await h.replicaSets()) await replicaSets.reconcile(`default/${rs.metadata.name}`);
  t.ok((await cluster.client.get(PODS, 'default', old!.metadata.name))?.metadata.deletionTimestamp, 'the old pod is terminating');
  await deployments.reconcile('default/db');
  t.equal((await h.replicaSets()).length, 1, 'no new ReplicaSet while it terminates');
  await cluster.client.delete(PODS, 'default', old!.metadata.name, { gracePeriodSeconds: 0 });
  await deployments.reconcile('default/db');
  t.equal((await h.replicaSets()).length, 2, 'the new ReplicaSet once it is gone');
});
