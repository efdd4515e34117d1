import t from 'tap';
import { SchedulerCache } from '../../control/scheduler/index.ts';
import { node, pod } from './nodes.ts';

const bound = (p: ReturnType<typeof pod>, nodeName: string) => ({ ...p, spec: { ...p.spec!, nodeName } });

t.test('assumed pods count at once, are confirmed by the informer, and are forgotten when binding fails', async (t) => {
  const cache = new SchedulerCache();
  cache.upsertNode(node('a', { cpu: '2' }));
  const p = pod('p', {}, {}, { cpu: '500m' });
  cache.assume(p, 'a');
  t.equal(cache.node('a')!.requested.milliCpu, 500, 'assumed pod counted');
  cache.upsertPod(p);
  t.ok(cache.isAssumed(p.metadata.uid), 'an unbound echo of the pod keeps the assumption');
  t.equal(cache.node('a')!.pods.size, 1);
  cache.upsertPod(bound(p, 'a'));
  t.notOk(cache.isAssumed(p.metadata.uid), 'confirmed by the informer');
  t.equal(cache.node('a')!.requested.milliCpu, 500, 'still counted once');

  const q = pod('q', {}, {}, { cpu: '1' });
  cache.assume(q, 'a');
  cache.forget(q.metadata.uid);
  t.equal(cache.node('a')!.requested.milliCpu, 500, 'a failed binding gives the resources back');
  cache.forget(p.metadata.uid);
  t.equal(cache.node('a')!.pods.size, 1, 'forget only drops assumptions');
});

t.test('pods leave the books when they finish, move or go; nodes can arrive after their pods', async (t) => {
  const cache = new SchedulerCache();
  const p = pod('p', {}, {}, { cpu: '1' });
  cache.upsertPod(bound(p, 'late'));
  cache.upsertNode(node('late'));
  t.equal(cache.node('late')!.requested.milliCpu, 1000, 'a pod bound before its node was seen is counted when the node appears');
  cache.upsertPod({ ...bound(p, 'late'), status: { phase: 'Succeeded' } });
  t.equal(cache.node('late')!.pods.size, 0, 'finished pods free their resources');

  cache.upsertNode(node('other'));
  const q = pod('q');
  cache.upsertPod(bound(q, 'late'));
  cache.upsertPod(bound(q, 'other'));
  t.same([cache.node('late')!.pods.size, cache.node('other')!.pods.size], [0, 1], 'a pod on a new node is moved, not doubled');
  cache.removePod(q.metadata.uid);
  t.equal(cache.node('other')!.pods.size, 0);
  t.same(cache.list().map((n) => n.name), ['late', 'other'], 'nodes listed in name order');
  cache.removeNode('late');
  t.same(cache.list().map((n) => n.name), ['other']);
});
