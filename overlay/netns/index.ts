// overlay/netns: the namespaces runtime's network, built with iproute2 in the
// model of flannel's vxlan backend (router + racks, node namespaces with cni0
// and flannel.1, pod namespaces with eth0). Everything lives inside network
// namespaces named ml-<clusterId>-…; the host gets nothing.

export type { NetnsErrorCode } from './errors.ts';
export { NETNS_ERROR_CODES } from './errors.ts';
export type { PodRef } from './names.ts';
export {
  NODE_BRIDGE, NODE_VTEP, NODE_UNDERLAY, POD_INTERFACE, clusterPrefix, routerNetnsName, nodeNetnsName, podNetnsName, podVethName,
} from './names.ts';
export type { RackSpec, Rack, Router } from './router.ts';
export { createRouter } from './router.ts';
export type { NodeNetworkSpec, NodeNetwork } from './node.ts';
export { createNodeNetwork, removeNodeNetwork, VXLAN_VNI, VXLAN_PORT, UNDERLAY_MTU, POD_MTU } from './node.ts';
export type { VtepPeer, PeerChanges } from './peers.ts';
export { programPeers } from './peers.ts';
export type { PodNetworkSpec, PodNetwork } from './pod.ts';
export { createPodNetwork, removePodNetwork } from './pod.ts';
export type { TeardownResult } from './teardown.ts';
export { teardown, clusterNetnsNames } from './teardown.ts';
export type { NodeLike, PeersFromNodes } from './node-annotations.ts';
export {
  vtepAnnotations, vtepPeersFromNodes, BACKEND_DATA_ANNOTATION, BACKEND_TYPE_ANNOTATION, PUBLIC_IP_ANNOTATION,
} from './node-annotations.ts';
