// A node whose subnet has no free pod IP leaves new pods Pending with an
// event that says why, and starts them once an IP is freed.

import t from 'tap';
import { EVENTS, PODS } from '../../control/api/index.ts';
import type { CoreEvent, Pod } from '../../control/api/index.ts';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'main', image: 'busybox', command: ['/bin/sleep', '300'] }] },
});

t.test('an exhausted node subnet keeps the pod Pending with an event', async (t) => {
  // A /30 has four addresses: network, the node's .1, one pod IP, broadcast.
  const cluster = await startCluster({ nodes: 1, nodeSubnetLength: 30 });
  t.teardown(() => cluster.stop());
  const { client } = cluster;
  await client.create(PODS, pod('first'));
  const first = await waitFor('first pod running', async () => {
    const p = await client.get<Pod>(PODS, 'default', 'first');
    return p?.status?.phase === 'Running' ? p : undefined;
  });
  t.ok(first.status?.podIP, 'the only pod IP went to the first pod');

  await client.create(PODS, pod('second'));
  const event = await waitFor('a FailedCreatePodSandBox event for the second pod', async () => {
    const events = await client.list<CoreEvent>(EVENTS, { namespace: 'default', fieldSelector: 'involvedObject.name=second' });
    return events.items.find((e) => e.reason === 'FailedCreatePodSandBox');
  });
  t.equal(event.type, 'Warning');
  t.match(event.message, /no free|exhausted|full/i, `event explains the exhaustion: ${event.message}`);
  const second = await client.get<Pod>(PODS, 'default', 'second');
  t.equal(second?.status?.phase, 'Pending');
  t.notOk(second?.status?.podIP, 'no IP assigned');

  await client.delete(PODS, 'default', 'first');
  const started = await waitFor('second pod starts once the IP is free', async () => {
    const p = await client.get<Pod>(PODS, 'default', 'second');
    return p?.status?.phase === 'Running' ? p : undefined;
  }, { timeoutMs: 30_000 });
  t.ok(started.status?.podIP);
});
