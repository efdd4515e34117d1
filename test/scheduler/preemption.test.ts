// DefaultPreemption against the in-process registry: a pending pod that fits
// nowhere evicts as few lower-priority pods as make room (DisruptionTarget
// condition, Preempted event, graceful deletion with the victims' own grace
// period), is nominated to the node, and binds once the victims are gone.

import t from 'tap';
import type { Test } from 'tap';
import type { Client, CoreEvent, Pod, SchedulingPodStatus } from '../../control/api/index.ts';
import { EVENTS, PODS, POD_DISRUPTION_BUDGETS, PRIORITY_CLASSES } from '../../control/api/index.ts';
import { startScheduler } from '../../control/scheduler/index.ts';
import { createNode, kubeletStep, newCluster, nodeManifest, podManifest, waitFor } from '../controllers/cluster.ts';

const DEADLINE_MS = 30_000;

async function classes(client: Client) {
  for (const [name, value, policy] of [['low', 10], ['mid', 100], ['high', 1000], ['polite', 1000, 'Never']] as const) {
    await client.create(PRIORITY_CLASSES, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...(policy ? { preemptionPolicy: policy } : {}) });
  }
}

const cpuPod = (name: string, priorityClassName: string, cpu: string, grace?: number) => ({
  ...podManifest(name, { app: name }),
  spec: {
    priorityClassName,
    ...(grace !== undefined ? { terminationGracePeriodSeconds: grace } : {}),
    containers: [{ name: 'c', image: 'x', resources: { requests: { cpu } } }],
  },
});

const get = async (client: Client, name: string) => client.get<Pod>(PODS, 'default', name);

async function allBound(client: Client, names: string[]) {
  await waitFor(`${names.join(', ')} bound`, async () => {
    for (const n of names) if (!(await get(client, n))?.spec?.nodeName) return false;
    return true;
  }, DEADLINE_MS);
}

/** The PriorityClasses, nodes node-1… with these CPUs, and a running scheduler; all stopped at teardown. */
async function schedulingCluster(t: Test, nodeCpus: readonly string[]): Promise<{ client: Client; scheduler: Awaited<ReturnType<typeof startScheduler>> }> {
  const { client, close } = await newCluster();
  await classes(client);
  for (const [i, cpu] of nodeCpus.entries()) await createNode(client, nodeManifest(`node-${i + 1}`, { cpu }));
  const scheduler = await startScheduler({ client });
  t.teardown(async () => {
    await scheduler.stop();
    await close();
  });
  return { client, scheduler };
}

t.test('a high-priority pod evicts the fewest low-priority pods, is nominated, and binds once they are gone', async (t) => {
  const { client } = await schedulingCluster(t, ['2']);
  const low = ['low-0', 'low-1', 'low-2', 'low-3'];
  for (const name of low) await client.create(PODS, cpuPod(name, 'low', '500m', 7));
  await allBound(client, low);

  const preemptor = await client.create<Pod>(PODS, cpuPod('urgent', 'high', '1'));
  const victims = await waitFor('two victims marked for deletion', async () => {
    const pods = (await client.list<Pod>(PODS, { namespace: 'default' })).items.filter((p) => p.metadata.deletionTimestamp);
    return pods.length === 2 ? pods : undefined;
  }, DEADLINE_MS);
  for (const v of victims) {
    t.equal(v.metadata.deletionGracePeriodSeconds, 7, `${v.metadata.name}: its own grace period`);
    t.match(v.status?.conditions?.find((c) => c.type === 'DisruptionTarget'), {
      status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod',
    });
  }
  const nominated = await waitFor('preemptor nominated', async () => {
    const p = await get(client, 'urgent');
    return (p?.status as SchedulingPodStatus | undefined)?.nominatedNodeName;
  }, DEADLINE_MS);
  t.equal(nominated, 'node-1');
  t.notOk((await get(client, 'urgent'))?.spec?.nodeName, 'not bound while the victims terminate');
  const events = await waitFor('Preempted events', async () => {
    const items = (await client.list<CoreEvent>(EVENTS, { namespace: 'default' })).items.filter((e) => e.reason === 'Preempted');
    return items.length === 2 ? items : undefined;
  }, DEADLINE_MS);
  t.same(events.map((e) => e.message), [1, 2].map(() => `Preempted by pod ${preemptor.metadata.uid} on node node-1`));
  t.same(events.map((e) => e.involvedObject.name).sort(), victims.map((v) => v.metadata.name).sort(), 'the events are on the victims');

  await kubeletStep(client, 'default');
  await allBound(client, ['urgent']);
  t.equal((await get(client, 'urgent'))?.spec?.nodeName, 'node-1');
  const survivors = (await client.list<Pod>(PODS, { namespace: 'default' })).items.filter((p) => p.metadata.name.startsWith('low-'));
  t.equal(survivors.length, 2, 'the other two low pods keep running');
});

t.test('victims are the lowest priority; equal or higher priority pods are never preempted', async (t) => {
  const { client } = await schedulingCluster(t, ['2']);
  await client.create(PODS, cpuPod('mid-a', 'mid', '500m'));
  await client.create(PODS, cpuPod('low-a', 'low', '500m'));
  await client.create(PODS, cpuPod('mid-b', 'mid', '1'));
  await allBound(client, ['mid-a', 'low-a', 'mid-b']);
  await client.create(PODS, cpuPod('urgent', 'high', '500m'));
  await waitFor('low-a preempted', async () => (await get(client, 'low-a'))?.metadata.deletionTimestamp, DEADLINE_MS);
  await kubeletStep(client, 'default');
  await allBound(client, ['urgent']);
  t.notOk((await get(client, 'mid-a'))?.metadata.deletionTimestamp, 'mid-a kept');
  t.notOk((await get(client, 'mid-b'))?.metadata.deletionTimestamp, 'mid-b kept');

  // A pod of the same priority as everyone left cannot preempt anyone.
  await client.create(PODS, cpuPod('peer', 'mid', '500m'));
  const cond = await waitFor('peer unschedulable', async () => (await get(client, 'peer'))?.status?.conditions?.find((c) => c.reason === 'Unschedulable'), DEADLINE_MS);
  t.equal(cond.message, '0/1 nodes are available: 1 Insufficient cpu.');
  t.notOk((await get(client, 'peer'))?.status && (((await get(client, 'peer'))!.status as SchedulingPodStatus).nominatedNodeName), 'not nominated');
  t.equal((await client.list<Pod>(PODS, { namespace: 'default' })).items.filter((p) => p.metadata.deletionTimestamp).length, 0, 'nobody preempted');
});

t.test('preemptionPolicy Never: the pod waits instead of preempting', async (t) => {
  const { client, scheduler } = await schedulingCluster(t, ['1']);
  await client.create(PODS, cpuPod('low-a', 'low', '1'));
  await allBound(client, ['low-a']);
  await client.create(PODS, cpuPod('polite', 'polite', '1'));
  await waitFor('polite unschedulable', async () => (await get(client, 'polite'))?.status?.conditions?.find((c) => c.reason === 'Unschedulable'), DEADLINE_MS);
  await waitFor('scheduler idle', () => scheduler.idle(), DEADLINE_MS);
  t.notOk((await get(client, 'low-a'))?.metadata.deletionTimestamp, 'the low pod is not preempted');
  t.notOk(((await get(client, 'polite'))!.status as SchedulingPodStatus).nominatedNodeName, 'not nominated');
});

t.test('of two nodes, the one whose victims matter least is chosen', async (t) => {
  const { client } = await schedulingCluster(t, ['1', '1']);
  await client.create(PODS, { ...cpuPod('mid-a', 'mid', '1'), spec: { ...cpuPod('mid-a', 'mid', '1').spec, nodeSelector: { 'kubernetes.io/hostname': 'node-1' } } });
  await client.create(PODS, { ...cpuPod('low-a', 'low', '1'), spec: { ...cpuPod('low-a', 'low', '1').spec, nodeSelector: { 'kubernetes.io/hostname': 'node-2' } } });
  await allBound(client, ['mid-a', 'low-a']);
  await client.create(PODS, cpuPod('urgent', 'high', '1'));
  await waitFor('low-a preempted', async () => (await get(client, 'low-a'))?.metadata.deletionTimestamp, DEADLINE_MS);
  t.notOk((await get(client, 'mid-a'))?.metadata.deletionTimestamp, 'mid-a kept');
  await kubeletStep(client, 'default');
  await allBound(client, ['urgent']);
  t.equal((await get(client, 'urgent'))?.spec?.nodeName, 'node-2');
});

t.test('a PodDisruptionBudget steers preemption to pods it does not protect', async (t) => {
  const { client } = await schedulingCluster(t, ['1']);
  // No disruption controller runs here, so the budget's status allows no disruption.
  await client.create(POD_DISRUPTION_BUDGETS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } });
  await client.create(PODS, cpuPod('guarded', 'low', '500m'));
  await client.create(PODS, cpuPod('free', 'mid', '500m'));
  await allBound(client, ['guarded', 'free']);
  await client.create(PODS, cpuPod('urgent', 'high', '500m'));
  await waitFor('free preempted', async () => (await get(client, 'free'))?.metadata.deletionTimestamp, DEADLINE_MS);
  t.notOk((await get(client, 'guarded'))?.metadata.deletionTimestamp, 'the lower-priority but protected pod is kept');
  await kubeletStep(client, 'default');
  await allBound(client, ['urgent']);
});
