// programPeers keeps a node's VTEP in step with the set of Node objects, as
// flannel does with its subnet leases: adds what is new, corrects what moved,
// removes what is gone, and changes nothing when run again.

import t from 'tap';
import { NODE_VTEP, createNodeNetwork, createRouter, programPeers, teardown, type NodeNetwork } from '../../../overlay/netns/index.ts';
import { rootOnly, run, uniqueClusterId } from './helpers.ts';

interface Programmed {
  routes: string[];
  neighbours: string[];
  fdb: string[];
}

async function programmed(node: NodeNetwork): Promise<Programmed> {
  const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l !== '').sort();
  return {
    routes: lines(await run('ip', ['-n', node.netns, 'route', 'show', 'dev', NODE_VTEP])),
    neighbours: lines(await run('ip', ['-n', node.netns, 'neigh', 'show', 'dev', NODE_VTEP])),
    fdb: lines(await run('bridge', ['-n', node.netns, 'fdb', 'show', 'dev', NODE_VTEP])),
  };
}

t.test('programPeers adds, corrects and removes FDB, neighbour and route entries idempotently', { skip: rootOnly }, async (t) => {
  const clusterId = uniqueClusterId();
  t.teardown(() => teardown(clusterId).then(() => undefined));
  const router = await createRouter(clusterId, [{ name: 'r1', cidr: '192.168.1.0/24' }, { name: 'r2', cidr: '192.168.2.0/24' }]);
  const node = await createNodeNetwork(router, { nodeName: 'node-1', podCidr: '10.244.1.0/24', rack: 'r1', underlayIp: '192.168.1.11' });
  t.match(node.vtepMac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'the VTEP MAC is read back to publish to peers');
  t.same(await programmed(node), { routes: [], neighbours: [], fdb: [] }, 'a new VTEP knows no peers');

  const self = { podCidr: node.podCidr, vtepMac: node.vtepMac, underlayIp: node.underlayIp };
  const peer2 = { podCidr: '10.244.2.0/24', vtepMac: '0a:58:0a:f4:02:00', underlayIp: '192.168.2.12' };
  const peer3 = { podCidr: '10.244.3.0/24', vtepMac: '0a:58:0a:f4:03:00', underlayIp: '192.168.2.13' };

  t.same(await programPeers(node, [self, peer2, peer3]), { added: ['10.244.2.0/24', '10.244.3.0/24'], removed: [] }, 'both peers added, own lease skipped');
  const first = await programmed(node);
  t.same(first, {
    routes: ['10.244.2.0/24 via 10.244.2.0 onlink', '10.244.3.0/24 via 10.244.3.0 onlink'],
    neighbours: ['10.244.2.0 lladdr 0a:58:0a:f4:02:00 PERMANENT', '10.244.3.0 lladdr 0a:58:0a:f4:03:00 PERMANENT'],
    fdb: ['0a:58:0a:f4:02:00 dst 192.168.2.12 self permanent', '0a:58:0a:f4:03:00 dst 192.168.2.13 self permanent'],
  }, 'route via the peer VTEP address, permanent ARP entry and FDB entry to the underlay IP, per peer');

  t.same(await programPeers(node, [peer3, self, peer2]), { added: [], removed: [] }, 'running again changes nothing');
  t.same(await programmed(node), first, 'and leaves the entries as they were');

  const moved = { ...peer3, underlayIp: '192.168.1.23' };
  t.same(await programPeers(node, [self, peer2, moved]), { added: ['10.244.3.0/24'], removed: [] }, 'a peer whose underlay IP changed is corrected');
  t.ok((await programmed(node)).fdb.includes('0a:58:0a:f4:03:00 dst 192.168.1.23 self permanent'), 'its FDB entry points at the new address');

  t.same(await programPeers(node, [self, moved]), { added: [], removed: ['10.244.2.0/24'] }, 'a peer that is gone is removed');
  t.same(await programmed(node), {
    routes: ['10.244.3.0/24 via 10.244.3.0 onlink'],
    neighbours: ['10.244.3.0 lladdr 0a:58:0a:f4:03:00 PERMANENT'],
    fdb: ['0a:58:0a:f4:03:00 dst 192.168.1.23 self permanent'],
  }, 'all three of its entries are gone, the other peer\'s stay');

  await t.rejects(programPeers(node, [peer2, { ...peer3, vtepMac: 'zz' }]), { code: 'MESHLET_NETNS_INPUT', message: /peers\[1\]\.vtepMac "zz"/ },
    'a malformed peer is rejected with its field path');
  t.same((await programmed(node)).routes, ['10.244.3.0/24 via 10.244.3.0 onlink'], 'before anything was changed');

  t.same(await programPeers(node, []), { added: [], removed: ['10.244.3.0/24'] }, 'an empty peer set clears the VTEP');
  t.same(await programmed(node), { routes: [], neighbours: [], fdb: [] });
});
