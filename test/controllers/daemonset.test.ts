// The DaemonSet controller against the in-process registry: one pod per
// eligible node (nodeSelector, node affinity, taints/tolerations), pinned by
// node affinity for the scheduler, with Kubernetes' automatic tolerations,
// revision labels and ControllerRevisions, RollingUpdate (maxUnavailable,
// maxSurge), OnDelete, rollback, failed pods (with back-off), and status.

import t from 'tap';
import type { Client, ControllerRevision, DaemonSet, KubeObject, Node, Pod } from '../../control/api/index.ts';
import { CONTROLLER_REVISIONS, DAEMON_SETS, ManualClock, NODES, PODS } from '../../control/api/index.ts';
import { createDaemonSetReconciler } from '../../control/controllers/daemonset.ts';
import { targetNodeOf } from '../../control/controllers/daemonset-placement.ts';
import { createNode, kubeletStep, listPods, newCluster, nodeManifest } from './cluster.ts';

interface RecordedEvent {
  type: string;
  reason: string;
  message: string;
}

async function setup(nodeNames: string[] = ['n1', 'n2', 'n3']) {
  const cluster = await newCluster();
  for (const n of nodeNames) await createNode(cluster.client, nodeManifest(n));
  const events: RecordedEvent[] = [];
  const recorder = { record: (_o: KubeObject, type: string, reason: string, message: string) => void events.push({ type, reason, message }) };
  const reconciler = createDaemonSetReconciler({ client: cluster.client, recorder });
  return { ...cluster, events, reconciler };
}

function daemonSet(name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}, image = 'example/agent:1') {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image }], ...podSpec } },
      ...spec,
    },
  };
}

/** Plays the default scheduler: binds each pending daemon pod to the node its affinity names. */
async function bindPinned(client: Client): Promise<void> {
  for (const pod of await listPods(client)) {
    const target = targetNodeOf(pod);
    if (!pod.spec?.nodeName && target && !pod.metadata.deletionTimestamp) {
      await client.patch(PODS, 'default', pod.metadata.name, 'merge', { spec: { nodeName: target } });
    }
  }
}

/** Reconcile, schedule and run until nothing changes (bounded). */
async function settle(client: Client, reconciler: { reconcile(key: string): Promise<unknown> }, key = 'default/agent', rounds = 12): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await reconciler.reconcile(key);
    await bindPinned(client);
    await kubeletStep(client);
  }
}

const live = (pods: Pod[]) => pods.filter((p) => !p.metadata.deletionTimestamp);
const getDs = async (client: Client, name = 'agent') => (await client.get<DaemonSet>(DAEMON_SETS, 'default', name))!;
const nodesOf = (pods: Pod[]) => live(pods).map((p) => targetNodeOf(p)).sort();

t.test('one pod per node, pinned by node affinity, with the automatic tolerations and revision labels', async (t) => {
  const { client, events, reconciler, close } = await setup();
  t.teardown(close);
  await client.create(DAEMON_SETS, daemonSet('agent'));
  await reconciler.reconcile('default/agent');
  const pods = await listPods(client);
  t.same(nodesOf(pods), ['n1', 'n2', 'n3'], 'a pod for each node');
  const pod = pods.find((p) => targetNodeOf(p) === 'n1')!;
  t.equal(pod.spec?.nodeName, undefined, 'left to the scheduler, not bound by the controller');
  t.same((pod.spec as { affinity?: unknown }).affinity, {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } },
  });
  const tolerations = pod.spec?.tolerations ?? [];
  for (const [key, effect] of [
    ['node.kubernetes.io/not-ready', 'NoExecute'],
    ['node.kubernetes.io/unreachable', 'NoExecute'],
    ['node.kubernetes.io/disk-pressure', 'NoSchedule'],
    ['node.kubernetes.io/memory-pressure', 'NoSchedule'],
    ['node.kubernetes.io/pid-pressure', 'NoSchedule'],
    ['node.kubernetes.io/unschedulable', 'NoSchedule'],
  ]) {
    const found = tolerations.filter((tol) => tol.key === key && tol.effect === effect);
    t.equal(found.length, 1, `tolerates ${key}:${effect}`);
    t.equal(found[0]?.tolerationSeconds, undefined, `${key}: no tolerationSeconds (never evicted)`);
  }
  t.notOk(tolerations.some((tol) => tol.key === 'node.kubernetes.io/network-unavailable'), 'network-unavailable only for hostNetwork');
  const [rev] = (await client.list<ControllerRevision>(CONTROLLER_REVISIONS, { namespace: 'default' })).items;
  t.equal(rev?.revision, 1);
  t.equal(rev?.metadata.name, `agent-${rev?.metadata.labels?.['controller-revision-hash']}`);
  t.equal(pod.metadata.labels?.['controller-revision-hash'], rev?.metadata.labels?.['controller-revision-hash']);
  t.equal(pod.metadata.labels?.['pod-template-generation'], '1');
  t.match(pod.metadata.ownerReferences, [{ kind: 'DaemonSet', name: 'agent', controller: true }]);
  t.equal(events.filter((e) => e.reason === 'SuccessfulCreate').length, 3);
  await reconciler.reconcile('default/agent');
  t.equal((await listPods(client)).length, 3, 'a second pass creates nothing');

  await client.create(DAEMON_SETS, daemonSet('netagent', {}, { hostNetwork: true }));
  await reconciler.reconcile('default/netagent');
  const netPod = (await listPods(client, 'default', 'app=netagent'))[0]!;
  t.ok(netPod.spec?.tolerations?.some((tol) => tol.key === 'node.kubernetes.io/network-unavailable' && tol.effect === 'NoSchedule'), 'hostNetwork pods tolerate network-unavailable');
});

t.test('status counts desired, current, ready, available, up-to-date and misscheduled pods', async (t) => {
  const { client, reconciler, close } = await setup();
  t.teardown(close);
  await client.create(DAEMON_SETS, daemonSet('agent'));
  await reconciler.reconcile('default/agent');
  t.match((await getDs(client)).status, { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 0, numberAvailable: 0, numberUnavailable: 3, updatedNumberScheduled: 3, numberMisscheduled: 0, observedGeneration: 1 });
  await settle(client, reconciler);
  t.match((await getDs(client)).status, { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, numberAvailable: 3, updatedNumberScheduled: 3, numberMisscheduled: 0 });
  t.equal((await getDs(client)).status?.numberUnavailable, undefined);
});

t.test('nodes joining get a pod; nodes leaving the selector lose theirs', async (t) => {
  const { client, reconciler, close } = await setup(['n1', 'n2']);
  t.teardown(close);
  await client.create(DAEMON_SETS, daemonSet('agent', {}, { nodeSelector: { disk: 'ssd' } }));
  await settle(client, reconciler);
  t.same(nodesOf(await listPods(client)), [], 'no node has disk=ssd');

  await createNode(client, nodeManifest('n3', { labels: { disk: 'ssd' } }));
  await client.patch(NODES, undefined, 'n1', 'merge', { metadata: { labels: { disk: 'ssd' } } });
  await settle(client, reconciler);
  t.same(nodesOf(await listPods(client)), ['n1', 'n3'], 'the joined node and the relabelled one');

  await client.patch(NODES, undefined, 'n1', 'merge', { metadata: { labels: { disk: 'hdd' } } });
  await settle(client, reconciler);
  t.same(nodesOf(await listPods(client)), ['n3'], 'n1 no longer matches: its pod is removed');
  t.match((await getDs(client)).status, { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberMisscheduled: 0 });
});

t.test('required node affinity picks the nodes', async (t) => {
  const { client, reconciler, close } = await setup(['n1']);
  t.teardown(close);
  await createNode(client, nodeManifest('gpu-1', { labels: { accel: 'gpu' } }));
  await createNode(client, nodeManifest('gpu-2', { labels: { accel: 'gpu' } }));
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'accel', operator: 'In', values: ['gpu'] }] }] } } };
  await client.create(DAEMON_SETS, daemonSet('agent', {}, { affinity }));
  await settle(client, reconciler);
  t.same(nodesOf(await listPods(client)), ['gpu-1', 'gpu-2']);
  const pod = (await listPods(client))[0]!;
  t.same((pod.spec as { affinity?: { nodeAffinity?: unknown } }).affinity?.nodeAffinity, {
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [targetNodeOf(pod)] }] }] },
  }, 'the user\'s terms are replaced by the pin');
});

t.test('taints: NoSchedule keeps new pods out, NoExecute evicts, tolerations and cordoning let them in', async (t) => {
  const { client, reconciler, close } = await setup(['plain']);
  t.teardown(close);
  await createNode(client, nodeManifest('master', { taints: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }] }));
  await createNode(client, nodeManifest('dedicated', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }));
  await createNode(client, nodeManifest('cordoned', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }));
  await client.create(DAEMON_SETS, daemonSet('agent', {}, { tolerations: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }] }));
  await settle(client, reconciler);
  t.same(nodesOf(await listPods(client)), ['cordoned', 'master', 'plain'], 'tolerated master taint and cordoning; not the dedicated taint');

  // A NoSchedule taint added later leaves the running pod alone.
  await client.patch(NODES, undefined, 'plain', 'merge', { spec: { taints: [{ key: 'maintenance', effect: 'NoSchedule' }] } });
  await settle(client, reconciler);
  t.ok(nodesOf(await listPods(client)).includes('plain'), 'NoSchedule does not remove a running daemon pod');
  t.match((await getDs(client)).status, { desiredNumberScheduled: 2, numberMisscheduled: 1 }, 'but the node no longer counts as desired');

  // NoExecute removes it.
  await client.patch(NODES, undefined, 'plain', 'merge', { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
  await settle(client, reconciler);
  t.notOk(nodesOf(await listPods(client)).includes('plain'), 'an untolerated NoExecute taint removes it');

  // not-ready / unreachable NoExecute taints are tolerated: the pod stays.
  await client.patch(NODES, undefined, 'master', 'merge', { spec: { taints: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] } });
  await settle(client, reconciler);
  t.ok(nodesOf(await listPods(client)).includes('master'), 'an unreachable node keeps its daemon pod');
});

/** Nodes whose daemon pod is not available (missing, terminating or not ready), per step of the rollout. */
async function rollOut(client: Client, reconciler: { reconcile(key: string): Promise<unknown> }, hash: string, nodeCount: number, maxSteps = 40): Promise<number[]> {
  const unavailableSeen: number[] = [];
  for (let i = 0; i < maxSteps; i++) {
    await reconciler.reconcile('default/agent');
    const pods = await listPods(client);
    const perNode = new Map<string, Pod[]>();
    for (const p of pods) perNode.set(targetNodeOf(p)!, [...(perNode.get(targetNodeOf(p)!) ?? []), p]);
    let unavailable = 0;
    for (let n = 1; n <= nodeCount; n++) {
      const ok = (perNode.get(`n${n}`) ?? []).some((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (!ok) unavailable++;
    }
    unavailableSeen.push(unavailable);
    if (live(pods).length === nodeCount && live(pods).every((p) => p.metadata.labels?.['controller-revision-hash'] === hash && p.status?.phase === 'Running')) break;
    await bindPinned(client);
    await kubeletStep(client);
  }
  return unavailableSeen;
}

async function newHash(client: Client): Promise<string> {
  const revs = (await client.list<ControllerRevision>(CONTROLLER_REVISIONS, { namespace: 'default' })).items.sort((a, b) => b.revision - a.revision);
  return revs[0]!.metadata.labels!['controller-revision-hash']!;
}

t.test('RollingUpdate with maxUnavailable 1 replaces one node at a time', async (t) => {
  const { client, reconciler, close } = await setup(['n1', 'n2', 'n3', 'n4']);
  t.teardown(close);
  await client.create(DAEMON_SETS, daemonSet('agent'));
  await settle(client, reconciler);
  const before = await newHash(client);
  const ds = await getDs(client);
  await client.update(DAEMON_SETS, { ...ds, spec: { ...ds.spec!, template: { ...ds.spec!.template, spec: { ...ds.spec!.template.spec, containers: [{ name: 'agent', image: 'example/agent:2' }] } } } });
  await reconciler.reconcile('default/agent');
  const after = await newHash(client);
  t.not(after, before, 'a new revision for the new template');
  const revisions = (await client.list<ControllerRevision>(CONTROLLER_REVISIONS, { namespace: 'default' })).items.map((r) => r.revision).sort();
  t.same(revisions, [1, 2]);
  const seen = await rollOut(client, reconciler, after, 4);
  t.ok(Math.max(...seen) <= 1, `never more than one node without an available pod (saw ${seen.join(',')})`);
  const pods = live(await listPods(client));
  t.equal(pods.length, 4);
  t.ok(pods.every((p) => p.metadata.labels?.['pod-template-generation'] === '2' && p.spec?.containers[0]?.image === 'example/agent:2'), 'every pod runs the new template');
  await reconciler.reconcile('default/agent');
  t.match((await getDs(client)).status, { updatedNumberScheduled: 4, numberAvailable: 4, desiredNumberScheduled: 4, observedGeneration: 2 });
});

t.test('RollingUpdate with maxSurge starts the new pod beside the old one', async (t) => {
  const { client, reconciler, close } = await setup(['n1', 'n2']);
  t.teardown(close);
  await client.create(DAEMON_SETS, daemonSet('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }));
  await settle(client, reconciler);
  const ds = await getDs(client);
  await client.update(DAEMON_SETS, { ...ds, spec: { ...ds.spec!, template: { ...ds.spec!.template, metadata: { labels: { app: 'agent', v: '2' } } } } });
  await reconciler.reconcile('default/agent');
  const hash = await newHash(client);
  const pods = live(await listPods(client));
  t.equal(pods.length, 3, 'one extra pod (maxSurge 1)');
  const surged = pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash);
  t.equal(surged.length, 1);
  t.equal(pods.filter((p) => targetNodeOf(p) === targetNodeOf(surged[0]!)).length, 2, 'beside the old pod on the same node');
  const seen = await rollOut(client, reconciler, hash, 2);
  t.ok(seen.every((n) => n === 0), `no node ever lacked an available pod (saw ${seen.join(',')})`);
  t.equal(live(await listPods(client)).length, 2, 'one pod per node at the end');
});

t.test('OnDelete: a new template waits until the old pod is deleted', async (t) => {
  const { client, reconciler, close } = await setup(['n1', 'n2']);
  t.teardown(close);
  await client.create(DAEMON_SETS, daemonSet('agent', { updateStrategy: { type: 'OnDelete' } }));
  await settle(client, reconciler);
  const ds = await getDs(client);
  await client.update(DAEMON_SETS, { ...ds, spec: { ...ds.spec!, template: { ...ds.spec!.template, metadata: { labels: { app: 'agent', v: '2' } } } } });
  await settle(client, reconciler);
  const hash = await newHash(client);
  let pods = live(await listPods(client));
  t.equal(pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash).length, 0, 'no pod replaced by itself');
  t.match((await getDs(client)).status, { updatedNumberScheduled: 0, desiredNumberScheduled: 2 });
  const victim = pods.find((p) => targetNodeOf(p) === 'n1')!;
  await client.delete(PODS, 'default', victim.metadata.name);
  await settle(client, reconciler);
  pods = live(await listPods(client));
  t.equal(pods.find((p) => targetNodeOf(p) === 'n1')?.metadata.labels?.['controller-revision-hash'], hash, 'the replacement runs the new template');
  t.not(pods.find((p) => targetNodeOf(p) === 'n2')?.metadata.labels?.['controller-revision-hash'], hash, 'the other node is untouched');
  t.match((await getDs(client)).status, { updatedNumberScheduled: 1 });
});

t.test('rolling back to an earlier template renumbers its revision and keeps its hash', async (t) => {
  const { client, reconciler, close } = await setup(['n1']);
  t.teardown(close);
  await client.create(DAEMON_SETS, daemonSet('agent'));
  await settle(client, reconciler);
  const first = await newHash(client);
  const v1 = await getDs(client);
  await client.update(DAEMON_SETS, { ...v1, spec: { ...v1.spec!, template: { ...v1.spec!.template, metadata: { labels: { app: 'agent', v: '2' } } } } });
  await settle(client, reconciler);
  const v2 = await getDs(client);
  await client.update(DAEMON_SETS, { ...v2, spec: { ...v2.spec!, template: v1.spec!.template } });
  await settle(client, reconciler);
  const revs = (await client.list<ControllerRevision>(CONTROLLER_REVISIONS, { namespace: 'default' })).items;
  t.equal(revs.length, 2, 'no third revision');
  t.equal(revs.find((r) => r.metadata.labels?.['controller-revision-hash'] === first)?.revision, 3, 'the old revision is now the newest');
  t.equal(live(await listPods(client))[0]?.metadata.labels?.['controller-revision-hash'], first);
  t.equal((await getDs(client)).metadata.annotations?.['deprecated.daemonset.template.generation'], '3', 'template generation counts each template change');
});

t.test('a failed daemon pod is deleted (FailedDaemonPod) and replaced', async (t) => {
  const { client, events, reconciler, close } = await setup(['n1']);
  t.teardown(close);
  await client.create(DAEMON_SETS, daemonSet('agent'));
  await settle(client, reconciler);
  const [pod] = await listPods(client);
  await client.updateStatus(PODS, { ...pod!, status: { ...pod!.status, phase: 'Failed' } });
  await settle(client, reconciler);
  const pods = live(await listPods(client));
  t.equal(pods.length, 1);
  t.not(pods[0]!.metadata.name, pod!.metadata.name, 'a new pod');
  t.ok(events.some((e) => e.type === 'Warning' && e.reason === 'FailedDaemonPod' && e.message === `Found failed daemon pod default/${pod!.metadata.name} on node n1, will try to kill it`));
});

t.test('a pod that keeps failing is deleted with back-off (1 s, then 2 s), not in a hot loop', async (t) => {
  const cluster = await newCluster();
  t.teardown(cluster.close);
  const { client } = cluster;
  await createNode(client, nodeManifest('n1'));
  const clock = new ManualClock(Date.now());
  const reconciler = createDaemonSetReconciler({ client, clock, recorder: { record: () => undefined } });
  await client.create(DAEMON_SETS, daemonSet('agent'));
  const failCurrent = async () => {
    const [pod] = live(await listPods(client));
    await client.updateStatus(PODS, { ...pod!, status: { ...pod!.status, phase: 'Failed' } });
    return pod!.metadata.name;
  };
  await settle(client, reconciler, 'default/agent', 2);
  const first = await failCurrent();
  await reconciler.reconcile('default/agent');
  t.notOk(live(await listPods(client)).some((p) => p.metadata.name === first), 'the first failure is deleted at once');
  await settle(client, reconciler, 'default/agent', 2);

  const second = await failCurrent();
  const held = await reconciler.reconcile('default/agent');
  t.ok(live(await listPods(client)).some((p) => p.metadata.name === second), 'a second failure within 1 s waits');
  t.equal(held?.requeueAfterMs, 1000, 'and the controller comes back when the back-off ends');
  clock.advance(1000);
  const next = await reconciler.reconcile('default/agent');
  t.notOk(live(await listPods(client)).some((p) => p.metadata.name === second), 'deleted once the back-off passed');
  t.equal(next?.requeueAfterMs, undefined);
  await settle(client, reconciler, 'default/agent', 2);
  await failCurrent();
  t.equal((await reconciler.reconcile('default/agent'))?.requeueAfterMs, 2000, 'the back-off doubles');
});

t.test('a second pod on a node is removed, the oldest kept; a node removed takes its pending pod', async (t) => {
  const { client, reconciler, close } = await setup(['n1', 'n2']);
  t.teardown(close);
  await client.create(DAEMON_SETS, daemonSet('agent'));
  await settle(client, reconciler);
  const [kept] = (await listPods(client)).filter((p) => targetNodeOf(p) === 'n1');
  const ds = await getDs(client);
  const { metadata, spec } = kept!;
  await client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'agent-extra', namespace: 'default', labels: metadata.labels, ownerReferences: metadata.ownerReferences }, spec: { ...spec!, nodeName: 'n1' } });
  await settle(client, reconciler);
  const onN1 = live(await listPods(client)).filter((p) => targetNodeOf(p) === 'n1');
  t.same(onN1.map((p) => p.metadata.name), [kept!.metadata.name], 'the older pod stays');
  t.equal(ds.metadata.uid, (await getDs(client)).metadata.uid);

  await client.delete(NODES, undefined, 'n2');
  await client.create(NODES, nodeManifest('n3'));
  await reconciler.reconcile('default/agent');
  const created = live(await listPods(client)).find((p) => targetNodeOf(p) === 'n3')!;
  t.ok(created, 'a pod for n3');
  await client.delete(NODES, undefined, 'n3');
  await reconciler.reconcile('default/agent');
  t.notOk(live(await listPods(client)).some((p) => targetNodeOf(p) === 'n3'), 'the unscheduled pod for the vanished node is deleted');
  t.match((await getDs(client)).status, { desiredNumberScheduled: 1 });
  const nodes = (await client.list<Node>(NODES)).items.map((n) => n.metadata.name);
  t.same(nodes, ['n1']);
});
