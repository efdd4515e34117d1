// The Greeting controller's Lease-based leader election
// (examples/greeting-controller/leader-election.mjs) against a real meshlet
// API server through @kubernetes/client-node: one leader among candidates,
// takeover only after the lease duration, leadership lost when renewals keep
// failing past the renew deadline, and a released Lease taken at once by a
// follower that watches it. Short durations (seconds) keep this quick; waits
// have deadlines well above them.

import t from 'tap';
import { CoordinationV1Api, KubeConfig, V1MicroTime, Watch } from '@kubernetes/client-node';
import type { V1Lease } from '@kubernetes/client-node';
import { LeaderElector } from '../../examples/greeting-controller/leader-election.mjs';
import type { ElectionOptions } from '../../examples/greeting-controller/leader-election.mjs';
import { startTestCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';

const NAMESPACE = 'default';

t.test('Lease leader election against the API server', { timeout: 180_000 }, async (t) => {
  const cluster = await startTestCluster({ nodes: 1 });
  t.teardown(() => cluster.stop());
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const api = kc.makeApiClient(CoordinationV1Api);
  const electors: LeaderElector[] = [];
  t.teardown(async () => {
    for (const e of electors) await e.release();
  });

  interface Candidate { elector: LeaderElector; lines: string[]; started: number; stopped: number; leaders: string[] }
  const candidate = (lease: string, identity: string, overrides: Partial<ElectionOptions> = {}): Candidate => {
    const seen = { lines: [] as string[], started: 0, stopped: 0, leaders: [] as string[] };
    const elector = new LeaderElector({
      api,
      namespace: NAMESPACE,
      name: lease,
      identity,
      leaseDurationSeconds: 3,
      renewDeadlineSeconds: 2,
      retryPeriodSeconds: 0.3,
      onStartedLeading: () => seen.started++,
      onStoppedLeading: () => seen.stopped++,
      onNewLeader: (holder) => seen.leaders.push(holder),
      log: (line) => seen.lines.push(line),
      ...overrides,
    });
    electors.push(elector);
    void elector.run();
    return Object.assign(seen, { elector });
  };
  const read = (name: string): Promise<V1Lease> => api.readNamespacedLease({ name, namespace: NAMESPACE });

  await t.test('one of two candidates leads; the other follows it', async (t) => {
    const a = candidate('one-leader', 'a');
    const b = candidate('one-leader', 'b');
    const holder = await waitFor('a holder', async () => (await read('one-leader')).spec?.holderIdentity, { timeoutMs: 20_000 });
    const [leader, follower] = holder === 'a' ? [a, b] : [b, a];
    await waitFor('the follower saw the leader', () => follower.leaders.includes(holder), { timeoutMs: 20_000 });
    const before = (await read('one-leader')).spec?.renewTime;
    await waitFor('the leader renews', async () => String((await read('one-leader')).spec?.renewTime) !== String(before), { timeoutMs: 20_000 });
    t.equal(leader.started, 1, 'the leader started leading once');
    t.equal(follower.started, 0, 'the follower never led');
    t.equal(leader.elector.leading && !follower.elector.leading, true);
    t.match(leader.lines.join('\n'), 'became leader');
    t.equal((await read('one-leader')).spec?.leaseDurationSeconds, 3);
    await leader.elector.release();
    await follower.elector.release();
  });

  await t.test('a Lease held by someone else is taken only after its duration', async (t) => {
    const now = new V1MicroTime();
    await api.createNamespacedLease({
      namespace: NAMESPACE,
      body: { metadata: { name: 'stale', namespace: NAMESPACE }, spec: { holderIdentity: 'gone', leaseDurationSeconds: 3, renewTime: now, acquireTime: now, leaseTransitions: 4 } },
    });
    const startedAt = Date.now();
    const c = candidate('stale', 'heir');
    await waitFor('the heir takes the stale Lease', () => c.started === 1, { timeoutMs: 30_000 });
    t.ok(Date.now() - startedAt >= 3000, 'not before the lease duration since it first saw the record');
    const spec = (await read('stale')).spec;
    t.equal(spec?.holderIdentity, 'heir');
    t.equal(spec?.leaseTransitions, 5, 'a takeover counts as a transition');
    t.same(c.leaders, ['gone'], 'it followed the old holder first');
    await c.elector.release();
  });

  await t.test('a leader that cannot renew within the renew deadline loses leadership', async (t) => {
    const c = candidate('stolen', 'victim');
    await waitFor('victim leads', () => c.started === 1, { timeoutMs: 20_000 });
    // Someone else keeps writing the Lease as its holder: every renewal finds a valid foreign holder.
    let stealing = true;
    const steal = async (): Promise<void> => {
      while (stealing) {
        try {
          const lease = await read('stolen');
          const now = new V1MicroTime();
          await api.replaceNamespacedLease({ name: 'stolen', namespace: NAMESPACE, body: { ...lease, spec: { ...lease.spec, holderIdentity: 'thief', renewTime: now } } });
        } catch {
          // a 409 from racing the victim's renewal: try again
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const thief = steal();
    await waitFor('the victim gives up', () => c.stopped === 1, { timeoutMs: 30_000 });
    stealing = false;
    await thief;
    t.equal(c.elector.leading, false);
    t.match(c.lines.join('\n'), /lost leadership: could not renew lease default\/stolen within 2s/);
    await c.elector.release();
    t.equal((await read('stolen')).spec?.holderIdentity, 'thief', 'a non-leader does not release what it does not hold');
  });

  await t.test('a released Lease is taken at once by a follower watching it', async (t) => {
    const watchLease = (onLease: (lease: V1Lease) => void): void => {
      const watch = new Watch(kc);
      void watch.watch(`/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases`, {}, (_type: string, lease: V1Lease) => {
        if (lease.metadata?.name === 'handover') onLease(lease);
      }, () => undefined);
    };
    // Polls are 10 s apart: only the watch can make the follower fast.
    const slow = { retryPeriodSeconds: 10, leaseDurationSeconds: 30, renewDeadlineSeconds: 20 };
    const leader = candidate('handover', 'first', slow);
    await waitFor('first leads', () => leader.started === 1, { timeoutMs: 20_000 });
    const follower = candidate('handover', 'second', { ...slow, watchLease });
    await waitFor('second follows first', () => follower.leaders.includes('first'), { timeoutMs: 20_000 });
    const releasedAt = Date.now();
    await leader.elector.release();
    t.match(leader.lines.join('\n'), 'released lease default/handover');
    await waitFor('second leads', () => follower.started === 1, { timeoutMs: 20_000 });
    t.ok(Date.now() - releasedAt < 5000, `taken ${Date.now() - releasedAt} ms after the release, well before the next poll`);
    const spec = (await read('handover')).spec;
    t.equal(spec?.holderIdentity, 'second');
    t.equal(spec?.leaseDurationSeconds, 30);
    await follower.elector.release();
    t.equal((await read('handover')).spec?.holderIdentity ?? '', '', 'released: no holder');
  });
});
