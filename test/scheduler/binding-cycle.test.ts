// The stages after a node is chosen, through the running scheduler against
// the in-process registry: Reserve (Unreserve in reverse on a later failure),
// Permit (allow, reject, hold the pod waiting until allowed or timed out on an
// injected clock), PreBind, Bind (Skip hands over to the next binder),
// PostBind; and QueueSort ordering pending pods by priority.

import t from 'tap';
import type { Client, Pod } from '../../control/api/index.ts';
import { ManualClock, PODS, PRIORITY_CLASSES } from '../../control/api/index.ts';
import { SKIP, SUCCESS, defaultProfile, startScheduler, unschedulable } from '../../control/scheduler/index.ts';
import type { BindPlugin, PermitPlugin, PostBindPlugin, PreBindPlugin, ReservePlugin, StartSchedulerOptions } from '../../control/scheduler/index.ts';
import { createNode, newCluster, nodeManifest, podManifest, waitFor } from '../controllers/cluster.ts';
import createTestPlugin, { GANG_LABEL, GANG_SIZE_LABEL } from './fixtures/test-plugin.ts';

const DEADLINE_MS = 30_000;
const get = async (client: Client, name: string) => client.get<Pod>(PODS, 'default', name);
const boundTo = async (client: Client, name: string) => (await get(client, name))?.spec?.nodeName;
const unschedulableMessage = async (client: Client, name: string) => (await get(client, name))?.status?.conditions?.find((c) => c.reason === 'Unschedulable')?.message;

async function cluster(t: { teardown(fn: () => Promise<void>): void }, extra: (client: Client) => Partial<StartSchedulerOptions> = () => ({}), withNode = true) {
  const { client, close } = await newCluster();
  if (withNode) await createNode(client, nodeManifest('node-1', { pods: '2' }));
  const scheduler = await startScheduler({ client, ...extra(client) });
  t.teardown(async () => {
    await scheduler.stop();
    await close();
  });
  return { client, scheduler };
}

t.test('Reserve, PreBind, Bind, PostBind run in order; a binder that Skips hands over to the next', async (t) => {
  const log: string[] = [];
  const reserve: ReservePlugin = { name: 'R', reserve: (p, n) => (log.push(`reserve ${p.metadata.name} ${n}`), SUCCESS), unreserve: () => void log.push('unreserve') };
  const preBind: PreBindPlugin = { name: 'PB', preBind: (p) => (log.push(`preBind ${p.metadata.name}`), SUCCESS) };
  const skipBinder: BindPlugin = { name: 'NotMine', bind: () => (log.push('skip'), SKIP) };
  const postBind: PostBindPlugin = { name: 'Post', postBind: (p, n) => void log.push(`postBind ${p.metadata.name} ${n}`) };
  const { client } = await cluster(t, (c) => {
    const binder: BindPlugin = {
      name: 'Mine',
      async bind(p, n) {
        log.push('bind');
        await c.patch(PODS, p.metadata.namespace, p.metadata.name, 'merge', { spec: { nodeName: n } });
        return SUCCESS;
      },
    };
    return { profile: { ...defaultProfile(), reserves: [reserve], preBinds: [preBind], postBinds: [postBind], binds: [skipBinder, binder] } };
  });
  await client.create(PODS, podManifest('p', {}));
  await waitFor('postBind ran', () => log.includes('postBind p node-1'), DEADLINE_MS);
  t.same(log, ['reserve p node-1', 'preBind p', 'skip', 'bind', 'postBind p node-1']);
  t.equal(await boundTo(client, 'p'), 'node-1');
});

t.test('a failing PreBind unreserves in reverse order, and the pod is not bound', async (t) => {
  const log: string[] = [];
  const reserve: ReservePlugin = { name: 'R1', reserve: () => SUCCESS, unreserve: () => void log.push('unreserve R1') };
  const reserve2: ReservePlugin = { name: 'R2', reserve: () => SUCCESS, unreserve: () => void log.push('unreserve R2') };
  const preBind: PreBindPlugin = { name: 'NoVolume', preBind: () => unschedulable('volume not ready') };
  const { client } = await cluster(t, () => ({ profile: { ...defaultProfile(), reserves: [reserve, reserve2], preBinds: [preBind] } }));
  await client.create(PODS, podManifest('p', {}));
  t.equal(await waitFor('unschedulable', () => unschedulableMessage(client, 'p'), DEADLINE_MS), 'volume not ready');
  t.same(log, ['unreserve R2', 'unreserve R1']);
  t.notOk(await boundTo(client, 'p'));
});

t.test('a Reserve or Permit rejection sends the pod back unschedulable; others still bind', async (t) => {
  const unreserved: string[] = [];
  const full: ReservePlugin = { name: 'Full', reserve: (p) => (p.metadata.name === 'late' ? unschedulable('pod(s) found no seat') : SUCCESS), unreserve: (p) => void unreserved.push(p.metadata.name) };
  const deny: PermitPlugin = { name: 'Deny', permit: (p) => ({ status: p.metadata.name === 'denied' ? unschedulable('pod(s) were denied by Deny') : SUCCESS }) };
  const { client } = await cluster(t, () => ({ profile: { ...defaultProfile(), reserves: [full], permits: [deny] } }));
  await client.create(PODS, podManifest('denied', {}));
  await client.create(PODS, podManifest('late', {}));
  await client.create(PODS, podManifest('fine', {}));
  t.equal(await waitFor('denied', () => unschedulableMessage(client, 'denied'), DEADLINE_MS), 'pod(s) were denied by Deny');
  t.equal(await waitFor('late', () => unschedulableMessage(client, 'late'), DEADLINE_MS), 'pod(s) found no seat');
  t.equal(await waitFor('fine bound', () => boundTo(client, 'fine'), DEADLINE_MS), 'node-1', 'the rejected pods freed their place (pods: 2)');
  t.same(unreserved.sort(), ['denied', 'late']);
});

const gangPod = (name: string, gang: string, size: number) => podManifest(name, { [GANG_LABEL]: gang, [GANG_SIZE_LABEL]: String(size) });

t.test('Permit Wait holds pods until allowed (a gang of two), or rejects them when the wait times out', async (t) => {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const { client, scheduler } = await cluster(t, () => ({
    clock,
    config: {
      profiles: [{ schedulerName: 'default-scheduler', plugins: { permit: { enabled: [{ name: 'TestPlugin' }] } }, pluginConfig: [{ name: 'TestPlugin', args: { permitTimeoutSeconds: 30 } }] }],
      userPlugins: new Map([['TestPlugin', createTestPlugin]]),
    },
  }));
  await client.create(PODS, gangPod('g-0', 'g', 2));
  await waitFor('g-0 held at Permit', () => scheduler.waitingPods().includes('default/g-0'), DEADLINE_MS);
  t.notOk(await boundTo(client, 'g-0'), 'not bound while waiting');
  await client.create(PODS, gangPod('g-1', 'g', 2));
  await waitFor('both bound', async () => (await boundTo(client, 'g-0')) && (await boundTo(client, 'g-1')), DEADLINE_MS);
  t.same(scheduler.waitingPods(), []);
  await client.delete(PODS, 'default', 'g-0', { gracePeriodSeconds: 0 });
  await client.delete(PODS, 'default', 'g-1', { gracePeriodSeconds: 0 });

  await client.create(PODS, gangPod('lonely', 'h', 2));
  await waitFor('lonely held', () => scheduler.waitingPods().includes('default/lonely'), DEADLINE_MS);
  clock.advance(29_000);
  t.same(scheduler.waitingPods(), ['default/lonely'], 'still waiting before the timeout');
  clock.advance(1_000);
  t.equal(await waitFor('rejected on timeout', () => unschedulableMessage(client, 'lonely'), DEADLINE_MS), 'rejected due to timeout after waiting 30s at plugin TestPlugin');
  t.notOk(await boundTo(client, 'lonely'));
});

t.test('QueueSort: the higher-priority pending pod is scheduled first', async (t) => {
  const { client } = await cluster(t, () => ({}), false);
  for (const [name, value] of [['low', 10], ['high', 1000]] as const) {
    await client.create(PRIORITY_CLASSES, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value });
  }
  for (const [name, priorityClassName] of [['first-low', 'low'], ['then-high', 'high']]) {
    const manifest = podManifest(name!, {});
    await client.create(PODS, { ...manifest, spec: { ...manifest.spec, priorityClassName } });
  }
  await waitFor('both pending', async () => (await unschedulableMessage(client, 'first-low')) && (await unschedulableMessage(client, 'then-high')), DEADLINE_MS);
  await createNode(client, nodeManifest('node-1', { pods: '1' }));
  t.equal(await waitFor('high bound', () => boundTo(client, 'then-high'), DEADLINE_MS), 'node-1');
  const low = await get(client, 'first-low');
  t.notOk(low?.spec?.nodeName, 'the low pod was never placed');
  t.notOk(low?.metadata.deletionTimestamp, 'so nothing had to be preempted');
});
