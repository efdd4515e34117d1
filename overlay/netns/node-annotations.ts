// Where peers come from: flannel's kube subnet manager publishes each node's
// VTEP on its Node object — `flannel.alpha.coreos.com/backend-data`
// ({"VNI":1,"VtepMAC":"…"}) and `flannel.alpha.coreos.com/public-ip` — next to
// spec.podCIDR. These turn a node network into those annotations and a list of
// Node objects back into programPeers' input, skipping (with a reason) nodes
// that have not published yet, as flannel ignores leases without backend data.

import type { Node } from '../../control/api/index.ts';
import { parseIpv4 } from '../ipam/index.ts';
import type { NodeNetwork } from './node.ts';
import { VXLAN_VNI } from './node.ts';
import type { VtepPeer } from './peers.ts';

export const BACKEND_DATA_ANNOTATION = 'flannel.alpha.coreos.com/backend-data';
export const BACKEND_TYPE_ANNOTATION = 'flannel.alpha.coreos.com/backend-type';
export const PUBLIC_IP_ANNOTATION = 'flannel.alpha.coreos.com/public-ip';

/** The parts of a Node this reads; a full Node fits. */
export type NodeLike = { metadata: Pick<Node['metadata'], 'name' | 'annotations'>; spec?: Pick<NonNullable<Node['spec']>, 'podCIDR'> };

export function vtepAnnotations(node: NodeNetwork): Record<string, string> {
  return {
    [BACKEND_DATA_ANNOTATION]: JSON.stringify({ VNI: VXLAN_VNI, VtepMAC: node.vtepMac }),
    [BACKEND_TYPE_ANNOTATION]: 'vxlan',
    [PUBLIC_IP_ANNOTATION]: node.underlayIp,
  };
}

export interface PeersFromNodes {
  peers: VtepPeer[];
  skipped: { node: string; reason: string }[];
}

function backendData(text: string | undefined): { vni: number; mac: string } | string {
  if (text === undefined) return `no ${BACKEND_DATA_ANNOTATION} annotation`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `${BACKEND_DATA_ANNOTATION} is not JSON`;
  }
  if (typeof parsed !== 'object' || parsed === null) return `${BACKEND_DATA_ANNOTATION} is not an object`;
  const vni: unknown = Reflect.get(parsed, 'VNI');
  const mac: unknown = Reflect.get(parsed, 'VtepMAC');
  if (typeof vni !== 'number' || typeof mac !== 'string') return `${BACKEND_DATA_ANNOTATION} lacks VNI or VtepMAC`;
  return { vni, mac };
}

function peerOf(node: NodeLike): VtepPeer | string {
  const annotations = node.metadata.annotations ?? {};
  const podCidr = node.spec?.podCIDR;
  if (podCidr === undefined) return 'no spec.podCIDR';
  const data = backendData(annotations[BACKEND_DATA_ANNOTATION]);
  if (typeof data === 'string') return data;
  if (data.vni !== VXLAN_VNI) return `VNI ${data.vni} is not this overlay's ${VXLAN_VNI}`;
  const underlayIp = annotations[PUBLIC_IP_ANNOTATION];
  if (underlayIp === undefined || parseIpv4(underlayIp) === undefined) return `no valid ${PUBLIC_IP_ANNOTATION} annotation`;
  return { podCidr, vtepMac: data.mac.toLowerCase(), underlayIp };
}

export function vtepPeersFromNodes(nodes: readonly NodeLike[]): PeersFromNodes {
  const result: PeersFromNodes = { peers: [], skipped: [] };
  for (const node of nodes) {
    const peer = peerOf(node);
    if (typeof peer === 'string') result.skipped.push({ node: node.metadata.name, reason: peer });
    else result.peers.push(peer);
  }
  return result;
}
