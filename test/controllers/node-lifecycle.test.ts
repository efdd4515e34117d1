// The node lifecycle controller and taint-based eviction, driven by calling
// reconcile(key) against a registry over a MemoryStore on a ManualClock:
// a stale Lease makes the node Unknown and tainted and its pods not Ready (so
// they leave Endpoints); pods are evicted after their tolerationSeconds; a
// node that heartbeats and reports Ready again loses the taints.

import t from 'tap';
import type { Test } from 'tap';
import type { Client, CoordinationLease, Endpoints, Node, Pod } from '../../control/api/index.ts';
import {
  ENDPOINTS, LEASES, ManualClock, NODES, NODE_LEASE_NAMESPACE, PODS, SERVICES, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE,
} from '../../control/api/index.ts';
import { createEndpointsReconciler, createNodeLifecycleReconciler, createTaintEvictionReconciler } from '../../control/controllers/index.ts';
import { postNodeReady } from '../../control/agent/node-readiness.ts';
import { registerNode } from '../../control/agent/node-registration.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { MemoryStore } from '../../control/store/index.ts';
import { createNode, markPodRunning, nodeManifest, podManifest, serviceManifest } from './cluster.ts';

const GRACE_MS = 40_000;
const START = Date.parse('2026-12-03T08:00:00Z');

async function setup(t: Test) {
  const store = new MemoryStore();
  const clock = new ManualClock(START);
  const client = createRegistry({ store, clock });
  await client.ensureNamespaces(['default', NODE_LEASE_NAMESPACE]);
  t.teardown(() => store.close());
  const lifecycle = createNodeLifecycleReconciler({ client, clock, gracePeriodMs: GRACE_MS });
  const eviction = createTaintEvictionReconciler({ client, clock });
  return { client, clock, lifecycle, eviction };
}

/** Plays the node agent's heartbeat: renews the node's Lease at the clock's time. */
async function renewLease(client: Client, clock: ManualClock, nodeName: string): Promise<void> {
  const spec = { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: new Date(clock.now()).toISOString() };
  const lease = await client.get<CoordinationLease>(LEASES, NODE_LEASE_NAMESPACE, nodeName);
  if (lease) await client.update(LEASES, { ...lease, spec });
  else await client.create(LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: nodeName, namespace: NODE_LEASE_NAMESPACE }, spec });
}

async function getNode(client: Client, name: string): Promise<Node> {
  const node = await client.get<Node>(NODES, undefined, name);
  if (!node) throw new Error(`node ${name} is gone`);
  return node;
}

const ready = (node: Node) => node.status?.conditions?.find((c) => c.type === 'Ready');
const podReady = (pod: Pod | undefined) => pod?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
const taintKeys = (node: Node) => (node.spec?.taints ?? []).map((x) => `${x.key}:${x.effect}`).sort();

async function runningPod(client: Client, name: string, nodeName: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Promise<Pod> {
  const pod = await client.create<Pod>(PODS, podManifest(name, { app: 'web' }, { nodeName, ...spec }));
  return markPodRunning(client, pod, { ready: true });
}

t.test('a node whose Lease goes stale becomes Unknown, tainted unreachable, and its pods leave Endpoints', async (t) => {
  const { client, clock, lifecycle } = await setup(t);
  await createNode(client, nodeManifest('a'));
  await createNode(client, nodeManifest('b'));
  await renewLease(client, clock, 'a');
  await renewLease(client, clock, 'b');
  const onA = await runningPod(client, 'on-a', 'a');
  const onB = await runningPod(client, 'on-b', 'b');
  await client.create(SERVICES, serviceManifest('web', { app: 'web' }, [{ port: 80 }]));
  const endpoints = createEndpointsReconciler({ client });
  await endpoints.reconcile('default/web');
  const addresses = async () => {
    const ep = await client.get<Endpoints>(ENDPOINTS, 'default', 'web');
    return {
      ready: (ep?.subsets ?? []).flatMap((s) => s.addresses ?? []).map((a) => a.ip).sort(),
      notReady: (ep?.subsets ?? []).flatMap((s) => s.notReadyAddresses ?? []).map((a) => a.ip).sort(),
    };
  };
  t.same((await addresses()).ready, [onA.status!.podIP, onB.status!.podIP].sort(), 'both pods serve at first');

  clock.advance(30_000);
  await renewLease(client, clock, 'b');
  const early = await lifecycle.reconcile('a');
  t.equal(ready(await getNode(client, 'a'))?.status, 'True', 'within the grace period the node stays Ready');
  t.same(taintKeys(await getNode(client, 'a')), []);
  t.ok(early && early.requeueAfterMs !== undefined && early.requeueAfterMs > 0 && early.requeueAfterMs <= 10_001, `checked again when the grace period ends (${JSON.stringify(early)})`);

  clock.advance(10_001);
  await lifecycle.reconcile('a');
  await lifecycle.reconcile('b');
  const a = await getNode(client, 'a');
  t.match(ready(a), { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
  t.same(taintKeys(a), [`${TAINT_NODE_UNREACHABLE}:NoExecute`, `${TAINT_NODE_UNREACHABLE}:NoSchedule`]);
  t.equal(a.spec!.taints!.find((x) => x.effect === 'NoExecute')!.timeAdded, new Date(clock.now()).toISOString(), 'the NoExecute taint records when it was added');
  t.equal(ready(await getNode(client, 'b'))?.status, 'True', 'a node that heartbeats is left alone');
  t.same(taintKeys(await getNode(client, 'b')), []);

  t.equal(podReady(await client.get<Pod>(PODS, 'default', 'on-a')), 'False', 'pods on the silent node are not Ready');
  t.equal(podReady(await client.get<Pod>(PODS, 'default', 'on-b')), 'True', 'pods elsewhere keep serving');
  await endpoints.reconcile('default/web');
  t.same(await addresses(), { ready: [onB.status!.podIP], notReady: [onA.status!.podIP] }, 'the silent node\'s pod left the ready addresses');

  const again = await getNode(client, 'a');
  await lifecycle.reconcile('a');
  t.equal((await getNode(client, 'a')).metadata.resourceVersion, again.metadata.resourceVersion, 'a second pass changes nothing');
});

t.test('pods are evicted after their tolerationSeconds; untolerated NoExecute taints evict at once', async (t) => {
  const { client, clock, lifecycle, eviction } = await setup(t);
  await createNode(client, nodeManifest('a'));
  await renewLease(client, clock, 'a');
  const defaulted = await runningPod(client, 'defaulted', 'a');
  t.match(defaulted.spec!.tolerations, [
    { key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ], 'admission gave the pod the default tolerations');
  await runningPod(client, 'short', 'a', { tolerations: [{ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }] });
  await runningPod(client, 'forever', 'a', { tolerations: [{ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }] });

  const before = await eviction.reconcile('default/short');
  t.notOk(before, 'no NoExecute taint, nothing to do');
  clock.advance(GRACE_MS + 1);
  await lifecycle.reconcile('a');
  const deleting = async (name: string) => (await client.get<Pod>(PODS, 'default', name))?.metadata.deletionTimestamp !== undefined;

  const pending = await eviction.reconcile('default/short');
  t.same(pending, { requeueAfterMs: 30_000 }, 'the pod\'s own toleration: 30 s from the taint');
  clock.advance(29_000);
  t.same(await eviction.reconcile('default/short'), { requeueAfterMs: 1_000 });
  t.notOk(await deleting('short'));
  clock.advance(1_000);
  await eviction.reconcile('default/short');
  t.ok(await deleting('short'), 'evicted once its toleration ran out');

  t.same(await eviction.reconcile('default/defaulted'), { requeueAfterMs: 270_000 }, 'the default 300 s, counted from the taint');
  t.notOk(await eviction.reconcile('default/forever'), 'a toleration without tolerationSeconds keeps the pod for good');
  clock.advance(270_000);
  await eviction.reconcile('default/defaulted');
  await eviction.reconcile('default/forever');
  t.ok(await deleting('defaulted'), 'evicted after 300 s');
  t.notOk(await deleting('forever'));

  const node = await getNode(client, 'a');
  await client.update(NODES, { ...node, spec: { ...node.spec, taints: [...(node.spec?.taints ?? []), { key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] } });
  await lifecycle.reconcile('a');
  t.ok((await getNode(client, 'a')).spec!.taints!.find((x) => x.key === 'dedicated')!.timeAdded, 'a hand-added NoExecute taint gets its timeAdded');
  await eviction.reconcile('default/forever');
  t.ok(await deleting('forever'), 'a NoExecute taint the pod does not tolerate evicts it at once');
});

t.test('a node that heartbeats and reports Ready again loses its taints; Ready=False means not-ready', async (t) => {
  const { client, clock, lifecycle, eviction } = await setup(t);
  await createNode(client, nodeManifest('a'));
  await renewLease(client, clock, 'a');
  await runningPod(client, 'p', 'a');
  clock.advance(GRACE_MS + 1);
  await lifecycle.reconcile('a');
  t.equal(ready(await getNode(client, 'a'))?.status, 'Unknown');

  clock.advance(5_000);
  await renewLease(client, clock, 'a');
  t.ok(await postNodeReady(client, 'a', true, new Date(clock.now()).toISOString()), 'the agent re-posts Ready when it finds it lost');
  t.notOk(await postNodeReady(client, 'a', true, new Date(clock.now()).toISOString()), 'and only then');
  await lifecycle.reconcile('a');
  const back = await getNode(client, 'a');
  t.match(ready(back), { status: 'True', reason: 'KubeletReady' });
  t.same(taintKeys(back), [], 'the unreachable taints are gone');
  t.notOk(await eviction.reconcile('default/p'), 'no eviction is pending any more');
  // The agent that came back reports its pods Ready again, as it does after any status change.
  await markPodRunning(client, (await client.get<Pod>(PODS, 'default', 'p'))!, { ready: true });
  clock.advance(300_000);
  await renewLease(client, clock, 'a');
  await eviction.reconcile('default/p');
  t.notOk((await client.get<Pod>(PODS, 'default', 'p'))?.metadata.deletionTimestamp, 'the pod stays on the recovered node');

  t.ok(await postNodeReady(client, 'a', false, new Date(clock.now()).toISOString()), 'a draining agent reports Ready=False');
  await lifecycle.reconcile('a');
  const draining = await getNode(client, 'a');
  t.match(ready(draining), { status: 'False', reason: 'KubeletNotReady', message: 'node is shutting down' });
  t.same(taintKeys(draining), [`${TAINT_NODE_NOT_READY}:NoExecute`, `${TAINT_NODE_NOT_READY}:NoSchedule`]);
  t.equal(podReady(await client.get<Pod>(PODS, 'default', 'p')), 'True', 'a live agent reports its own pods; the controller leaves them');
});

t.test('a node registered by a real node agent can be tainted (its status passes validation)', async (t) => {
  const { client, clock, lifecycle } = await setup(t);
  const registration = await registerNode({ client, nodeName: 'agent-node', nodeAddress: '127.244.9.1', podCidr: '127.244.9.0/24', clock });
  await registration.stop();
  clock.advance(GRACE_MS + 1);
  await lifecycle.reconcile('agent-node');
  const node = await getNode(client, 'agent-node');
  t.equal(ready(node)?.status, 'Unknown');
  t.same(taintKeys(node), [`${TAINT_NODE_UNREACHABLE}:NoExecute`, `${TAINT_NODE_UNREACHABLE}:NoSchedule`]);
});
