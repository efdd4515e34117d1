// A node namespace is flannel's vxlan node: underlay eth0 on its rack, cni0
// with the podCIDR gateway, flannel.1 with VNI 1 / port 8472 / nolearning on
// the underlay address, forwarding on, and no default route. Bad specs are
// refused before anything is created.

import t from 'tap';
import {
  NODE_BRIDGE, NODE_UNDERLAY, NODE_VTEP, createNodeNetwork, createRouter, removeNodeNetwork, teardown, type Router,
} from '../../../overlay/netns/index.ts';
import { waitFor } from '../../helpers/wait.ts';
import { rootOnly, run, uniqueClusterId } from './helpers.ts';

interface DetailRow {
  ifname: string;
  mtu: number;
  linkinfo?: { info_kind: string; info_data?: { id?: number; local?: string; link?: string; port?: number; learning?: boolean } };
}

t.test('a node namespace holds the underlay link, cni0 and the VTEP, and routes nowhere else', { skip: rootOnly }, async (t) => {
  const clusterId = uniqueClusterId();
  t.teardown(() => teardown(clusterId).then(() => undefined));
  const router = await createRouter(clusterId, [{ name: 'r1', cidr: '192.168.1.0/24' }, { name: 'r2', cidr: '192.168.2.0/24' }]);
  const node = await createNodeNetwork(router, { nodeName: 'node-1', podCidr: '10.244.1.0/24', rack: 'r1', underlayIp: '192.168.1.11' });

  const links = new Map((JSON.parse(await run('ip', ['-n', node.netns, '-d', '-j', 'link', 'show'])) as DetailRow[]).map((l) => [l.ifname, l]));
  t.same([...links.keys()].sort(), [NODE_BRIDGE, NODE_UNDERLAY, NODE_VTEP, 'lo'].sort(), 'lo, eth0, cni0 and flannel.1, nothing else');
  t.equal(links.get(NODE_BRIDGE)?.linkinfo?.info_kind, 'bridge');
  t.equal(links.get(NODE_UNDERLAY)?.linkinfo?.info_kind, 'veth');
  t.match(links.get(NODE_VTEP)?.linkinfo, { info_kind: 'vxlan', info_data: { id: 1, local: '192.168.1.11', link: NODE_UNDERLAY, port: 8472, learning: false } },
    'flannel.1 is VNI 1 on port 8472 from the underlay address, with learning off');
  t.equal(links.get(NODE_VTEP)?.mtu, 1450, 'the VTEP leaves room for the 50-byte VXLAN header');

  const addresses = await run('ip', ['-n', node.netns, '-o', '-4', 'addr', 'show']);
  t.match(addresses, /cni0\s+inet 10\.244\.1\.1\/24/, 'cni0 holds the podCIDR gateway');
  t.match(addresses, /flannel\.1\s+inet 10\.244\.1\.0\/32/, 'flannel.1 holds the podCIDR network address, as flannel does');
  t.match(addresses, /eth0\s+inet 192\.168\.1\.11\/24/, 'eth0 holds the underlay address');
  const routes = (await run('ip', ['-n', node.netns, 'route', 'show'])).trim().split('\n').map((l) => l.trim().replace(/ linkdown$/, '')).sort();
  // (cni0 is `linkdown` until its first pod port comes up; that flag is not the point here.)
  t.same(routes, [
    '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1',
    '192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.11',
    '192.168.2.0/24 via 192.168.1.1 dev eth0',
  ], 'its podCIDR, its rack and the other rack via the router: no default route');
  t.equal((await run('ip', ['netns', 'exec', node.netns, 'cat', '/proc/sys/net/ipv4/ip_forward'])).trim(), '1', 'the node forwards');
  t.equal((await run('ip', ['netns', 'exec', router.netns, 'cat', '/proc/sys/net/ipv4/ip_forward'])).trim(), '1', 'so does the router');
  t.match(await run('ip', ['-n', router.netns, 'route', 'show']), /^192\.168\.1\.0\/24 .*\n192\.168\.2\.0\/24 [^\n]*\n$/, 'the router routes only its racks');

  const ports = JSON.parse(await run('ip', ['-n', router.netns, '-j', 'link', 'show', 'master', 'rack-r1'])) as DetailRow[];
  t.equal(ports.length, 1, 'the node plugged one port into its rack\'s bridge');
  await removeNodeNetwork(clusterId, 'node-1');
  // The kernel frees a deleted namespace's links asynchronously, shortly after `ip netns del` returns.
  await waitFor('the router port of the removed node to go', async () =>
    (JSON.parse(await run('ip', ['-n', router.netns, '-j', 'link', 'show', 'master', 'rack-r1'])) as DetailRow[]).length === 0, { timeoutMs: 20_000 });
  const left = JSON.parse(await run('ip', ['-n', router.netns, '-j', 'link', 'show', 'master', 'rack-r1'])) as DetailRow[];
  t.same(left, [], 'removing the node takes its router port with it');
});

t.test('bad racks and node specs are refused with the field and reason', async (t) => {
  const router: Router = {
    clusterId: 'c1', netns: 'ml-c1-router',
    racks: [{ name: 'r1', cidr: '192.168.1.0/24', prefixLength: 24, gateway: '192.168.1.1', bridge: 'rack-r1' }],
  };
  const spec = { nodeName: 'node-1', podCidr: '10.244.1.0/24', rack: 'r1', underlayIp: '192.168.1.11' };
  await t.rejects(createNodeNetwork(router, { ...spec, rack: 'r9' }), { code: 'MESHLET_NETNS_INPUT', message: /rack "r9" is not one of the router's racks \(r1\)/ });
  await t.rejects(createNodeNetwork(router, { ...spec, underlayIp: '192.168.2.11' }), { code: 'MESHLET_NETNS_INPUT', message: /underlayIp "192.168.2.11" is outside 192.168.1.0\/24/ });
  await t.rejects(createNodeNetwork(router, { ...spec, underlayIp: '192.168.1.1' }), { code: 'MESHLET_NETNS_INPUT', message: /underlayIp "192.168.1.1" is the network, gateway/ });
  await t.rejects(createNodeNetwork(router, { ...spec, podCidr: '10.244.1.0' }), { code: 'MESHLET_NETNS_INPUT', message: /podCidr "10.244.1.0"/ });
  await t.rejects(createNodeNetwork(router, { ...spec, nodeName: 'Node 1' }), { code: 'MESHLET_NETNS_INPUT', message: /nodeName "Node 1" is invalid/ });
  await t.rejects(createRouter('c1', [{ name: 'r1', cidr: '192.168.0.0/16' }, { name: 'r2', cidr: '192.168.2.0/24' }]),
    { code: 'MESHLET_NETNS_INPUT', message: /racks\[1\]\.cidr "192.168.2.0\/24" overlaps racks\[0\]\.cidr "192.168.0.0\/16"/ });
  await t.rejects(createRouter('c1', [{ name: 'r1', cidr: '192.168.1.0/24' }, { name: 'r1', cidr: '192.168.2.0/24' }]),
    { code: 'MESHLET_NETNS_INPUT', message: /racks\[1\]\.name "r1" is duplicated/ });
  await t.rejects(createRouter('c1', []), { code: 'MESHLET_NETNS_INPUT', message: /at least one rack/ });
});
