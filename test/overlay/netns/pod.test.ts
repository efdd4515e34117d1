// A pod namespace holds lo and eth0 (a veth into its node's cni0), one address
// from the node's podCIDR and a default route via the bridge gateway — nothing
// else. Pods on one node talk across the bridge without touching the VTEP.

import t from 'tap';
import {
  NODE_BRIDGE, createNodeNetwork, createPodNetwork, createRouter, removePodNetwork, teardown,
} from '../../../overlay/netns/index.ts';
import { waitFor } from '../../helpers/wait.ts';
import { connectFromPod, rootOnly, run, startPodServer, uniqueClusterId, vtepCounters } from './helpers.ts';

interface LinkRow { ifname: string; mtu: number; operstate: string; master?: string }

t.test('a pod namespace has lo, eth0 with its IP and a default route via cni0, and nothing more', { skip: rootOnly }, async (t) => {
  const clusterId = uniqueClusterId();
  t.teardown(() => teardown(clusterId).then(() => undefined));
  const router = await createRouter(clusterId, [{ name: 'r1', cidr: '192.168.1.0/24' }]);
  const node = await createNodeNetwork(router, { nodeName: 'node-1', podCidr: '10.244.1.0/24', rack: 'r1', underlayIp: '192.168.1.11' });
  const a = await createPodNetwork(node, { namespace: 'default', name: 'a', ip: '10.244.1.2' });
  const b = await createPodNetwork(node, { namespace: 'shop', name: 'b.v1', ip: '10.244.1.3' });
  t.equal(a.netns, `ml-${clusterId}-pod-default_a`);
  t.equal(b.netns, `ml-${clusterId}-pod-shop_b.v1`);

  const links = (JSON.parse(await run('ip', ['-n', a.netns, '-j', 'link', 'show'])) as LinkRow[]).map((l) => `${l.ifname} ${l.mtu}`);
  t.same(links.sort(), ['eth0 1450', 'lo 65536'], 'only lo and eth0, eth0 with the VXLAN-sized MTU');
  const addresses = await run('ip', ['-n', a.netns, '-o', '-4', 'addr', 'show']);
  t.match(addresses, /lo\s+inet 127\.0\.0\.1\/8/, 'lo is up with 127.0.0.1');
  t.match(addresses, /eth0\s+inet 10\.244\.1\.2\/24/, 'eth0 has the pod IP');
  const routes = (await run('ip', ['-n', a.netns, 'route', 'show'])).trim().split('\n').map((l) => l.trim());
  t.same(routes, ['default via 10.244.1.1 dev eth0', '10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2'],
    'a default route via the bridge gateway and the connected podCIDR, nothing else');
  t.equal((await run('ip', ['netns', 'exec', a.netns, 'cat', '/proc/sys/net/ipv4/ip_forward'])).trim(), '0', 'a pod does not forward');

  const [nodeEnd] = JSON.parse(await run('ip', ['-n', node.netns, '-j', 'link', 'show', a.nodeVeth])) as LinkRow[];
  t.equal(nodeEnd?.master, NODE_BRIDGE, 'the veth\'s node end is a port of cni0');

  const vtepBefore = await vtepCounters(node);
  const server = await startPodServer(b.netns, 'b');
  t.teardown(() => server.kill('SIGKILL'));
  const reply = await connectFromPod(a.netns, b.ip, 8080);
  t.same(JSON.parse(reply.body ?? '{}'), { pod: 'b', peer: a.ip }, 'pods on one node reach each other by IP');
  t.equal((await vtepCounters(node)).txPackets, vtepBefore.txPackets, 'across the bridge: the VTEP sent nothing');

  await t.rejects(createPodNetwork(node, { namespace: 'default', name: 'c', ip: '10.244.1.1' }),
    { code: 'MESHLET_NETNS_INPUT', message: /ip "10\.244\.1\.1" is the network, gateway or broadcast address/ }, 'the gateway is not a pod IP');
  await t.rejects(createPodNetwork(node, { namespace: 'default', name: 'c', ip: '10.244.2.9' }),
    { code: 'MESHLET_NETNS_INPUT', message: /ip "10\.244\.2\.9" is outside 10\.244\.1\.0\/24/ }, 'nor an address from another node\'s podCIDR');
  await t.rejects(createPodNetwork(node, { namespace: 'default', name: 'a', ip: '10.244.1.9' }),
    { code: 'MESHLET_NETNS_COMMAND' }, 'a pod that already has a namespace is refused');
  t.match(await run('ip', ['-n', a.netns, '-o', '-4', 'addr', 'show', 'eth0']), /10\.244\.1\.2\/24/, 'and the existing pod keeps its network');

  await removePodNetwork(clusterId, { namespace: 'default', name: 'a' });
  t.notOk((await run('ip', ['netns', 'list'])).includes(a.netns), 'removing the pod removes its namespace');
  // The kernel frees a deleted namespace's links asynchronously, shortly after `ip netns del` returns.
  const bridgePorts = async () => (JSON.parse(await run('ip', ['-n', node.netns, '-j', 'link', 'show', 'master', NODE_BRIDGE])) as LinkRow[]).map((l) => l.ifname);
  await waitFor('the removed pod\'s veth end to leave cni0', async () => (await bridgePorts()).length === 1, { timeoutMs: 20_000 });
  t.same(await bridgePorts(), [b.nodeVeth], 'and its veth end on the bridge, leaving the other pod\'s');
});
