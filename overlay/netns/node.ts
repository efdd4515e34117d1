// A node's network namespace, in the shape of flannel's vxlan backend: an
// underlay link (eth0) on its rack, a bridge (cni0) holding the podCIDR's
// gateway, and a VTEP (flannel.1, VNI 1, nolearning) whose peers are
// programmed from Node objects by programPeers. Forwarding is on so pod
// traffic can go bridge → VTEP; there is no default route, so anything that is
// neither a rack nor a programmed peer's podCIDR is unreachable.

import { gatewayOf, checkHostAddress, parseNetnsCidr, vtepAddressOf } from './addresses.ts';
import { NETNS_ERROR_CODES, netnsError } from './errors.ts';
import { ip, ipBatch, ipJson, setSysctl } from './ip.ts';
import { NODE_BRIDGE, NODE_UNDERLAY, NODE_VTEP, nodeNetnsName, underlayPortName } from './names.ts';
import type { Router } from './router.ts';

/** Flannel's VNI and its (Linux-default) VXLAN port. */
export const VXLAN_VNI = 1;
export const VXLAN_PORT = 8472;
/** Underlay MTU; the VTEP and pod links get 50 bytes less for the VXLAN header, as flannel does. */
export const UNDERLAY_MTU = 1500;
export const POD_MTU = UNDERLAY_MTU - 50;

export interface NodeNetworkSpec {
  nodeName: string;
  /** The node's spec.podCIDR, e.g. 10.244.1.0/24. */
  podCidr: string;
  /** Name of one of the router's racks. */
  rack: string;
  /** The node's underlay address inside that rack's subnet. */
  underlayIp: string;
}

export interface NodeNetwork {
  clusterId: string;
  nodeName: string;
  netns: string;
  podCidr: string;
  podPrefixLength: number;
  /** cni0's address and the pods' default gateway (.1). */
  gateway: string;
  underlayIp: string;
  /** The VTEP's MAC, published to peers (flannel puts it in the node's annotations). */
  vtepMac: string;
}

export async function createNodeNetwork(router: Router, spec: NodeNetworkSpec): Promise<NodeNetwork> {
  const netns = nodeNetnsName(router.clusterId, spec.nodeName);
  const podCidr = parseNetnsCidr(spec.podCidr, 'podCidr');
  const rack = router.racks.find((r) => r.name === spec.rack);
  if (rack === undefined) {
    throw netnsError(NETNS_ERROR_CODES.input, `overlay/netns: rack "${spec.rack}" is not one of the router's racks (${router.racks.map((r) => r.name).join(', ')})`);
  }
  checkHostAddress(spec.underlayIp, parseNetnsCidr(rack.cidr, 'rack.cidr'), 'underlayIp');
  const port = underlayPortName(spec.nodeName);
  const gateway = gatewayOf(podCidr);

  await ip(undefined, ['netns', 'add', netns]);
  try {
    // Both ends are created inside namespaces: the host never sees either.
    await ip(netns, ['link', 'add', NODE_UNDERLAY, 'mtu', String(UNDERLAY_MTU), 'type', 'veth', 'peer', 'name', port, 'netns', router.netns]);
    await ip(router.netns, ['link', 'set', port, 'master', rack.bridge, 'up']);
    const lines = [
      'link set lo up',
      `addr add ${spec.underlayIp}/${rack.prefixLength} dev ${NODE_UNDERLAY}`,
      `link set ${NODE_UNDERLAY} up`,
      ...router.racks.filter((r) => r !== rack).map((r) => `route add ${r.cidr} via ${rack.gateway} dev ${NODE_UNDERLAY}`),
      `link add ${NODE_BRIDGE} mtu ${POD_MTU} type bridge`,
      `addr add ${gateway}/${podCidr.prefixLength} dev ${NODE_BRIDGE}`,
      `link set ${NODE_BRIDGE} up`,
      `link add ${NODE_VTEP} mtu ${POD_MTU} type vxlan id ${VXLAN_VNI} local ${spec.underlayIp} dev ${NODE_UNDERLAY} dstport ${VXLAN_PORT} nolearning`,
      `addr add ${vtepAddressOf(podCidr)}/32 dev ${NODE_VTEP}`,
      `link set ${NODE_VTEP} up`,
    ];
    await ipBatch(netns, lines);
    await setSysctl(netns, 'net.ipv4.ip_forward', '1');
    const [vtep] = await ipJson<{ address: string }>(netns, ['link', 'show', NODE_VTEP]);
    if (vtep === undefined) throw netnsError(NETNS_ERROR_CODES.command, `overlay/netns: ${NODE_VTEP} vanished from ${netns}`);
    return {
      clusterId: router.clusterId, nodeName: spec.nodeName, netns, podCidr: podCidr.text, podPrefixLength: podCidr.prefixLength,
      gateway, underlayIp: spec.underlayIp, vtepMac: vtep.address,
    };
  } catch (err) {
    await removeNodeNetwork(router.clusterId, spec.nodeName).catch(() => undefined);
    throw err;
  }
}

/** Deleting the namespace destroys its links; a veth's death takes its peer (the router port) with it. */
export async function removeNodeNetwork(clusterId: string, nodeName: string): Promise<void> {
  await ip(undefined, ['netns', 'del', nodeNetnsName(clusterId, nodeName)]);
}
