// Peers come from Node objects the way flannel's kube subnet manager publishes
// them: spec.podCIDR plus the backend-data and public-ip annotations.

import t from 'tap';
import {
  BACKEND_DATA_ANNOTATION, PUBLIC_IP_ANNOTATION, vtepAnnotations, vtepPeersFromNodes, type NodeLike, type NodeNetwork,
} from '../../../overlay/netns/index.ts';

const network: NodeNetwork = {
  clusterId: 'c1', nodeName: 'node-2', netns: 'ml-c1-node-node-2', podCidr: '10.244.2.0/24', podPrefixLength: 24,
  gateway: '10.244.2.1', underlayIp: '192.168.2.12', vtepMac: '0a:58:0a:f4:02:00',
};

function node(name: string, podCIDR: string | undefined, annotations: Record<string, string>): NodeLike {
  return { metadata: { name, annotations }, spec: podCIDR === undefined ? {} : { podCIDR } };
}

t.test('a node network publishes flannel\'s annotations and reads back as a peer', async (t) => {
  const annotations = vtepAnnotations(network);
  t.same(JSON.parse(annotations[BACKEND_DATA_ANNOTATION]!), { VNI: 1, VtepMAC: '0a:58:0a:f4:02:00' });
  t.equal(annotations[PUBLIC_IP_ANNOTATION], '192.168.2.12');
  t.same(vtepPeersFromNodes([node('node-2', network.podCidr, annotations)]), {
    peers: [{ podCidr: '10.244.2.0/24', vtepMac: '0a:58:0a:f4:02:00', underlayIp: '192.168.2.12' }],
    skipped: [],
  });
});

t.test('nodes that have not published a usable VTEP are skipped with the reason', async (t) => {
  const good = vtepAnnotations(network);
  const cases: [string, NodeLike, string][] = [
    ['no podCIDR yet', node('a', undefined, good), 'no spec.podCIDR'],
    ['no backend data yet', node('b', '10.244.3.0/24', { [PUBLIC_IP_ANNOTATION]: '192.168.1.3' }), `no ${BACKEND_DATA_ANNOTATION} annotation`],
    ['backend data that is not JSON', node('c', '10.244.3.0/24', { ...good, [BACKEND_DATA_ANNOTATION]: '{' }), `${BACKEND_DATA_ANNOTATION} is not JSON`],
    ['backend data without a MAC', node('d', '10.244.3.0/24', { ...good, [BACKEND_DATA_ANNOTATION]: '{"VNI":1}' }), `${BACKEND_DATA_ANNOTATION} lacks VNI or VtepMAC`],
    ['another VNI', node('e', '10.244.3.0/24', { ...good, [BACKEND_DATA_ANNOTATION]: '{"VNI":2,"VtepMAC":"0a:58:0a:f4:03:00"}' }), 'VNI 2 is not this overlay\'s 1'],
    ['a bad public IP', node('f', '10.244.3.0/24', { ...good, [PUBLIC_IP_ANNOTATION]: 'node-f' }), `no valid ${PUBLIC_IP_ANNOTATION} annotation`],
  ];
  for (const [what, input, reason] of cases) {
    t.same(vtepPeersFromNodes([input, node('ok', network.podCidr, good)]), {
      peers: [{ podCidr: '10.244.2.0/24', vtepMac: '0a:58:0a:f4:02:00', underlayIp: '192.168.2.12' }],
      skipped: [{ node: input.metadata.name, reason }],
    }, what);
  }
});
