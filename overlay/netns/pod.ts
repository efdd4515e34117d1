// A pod's network namespace: lo up, and eth0 — a veth whose other end is a port
// of its node's cni0 — with an address from the node's podCIDR and a default
// route via cni0's gateway. Forwarding stays off in the pod. The default route
// leads only into the node namespace, which has no way off the machine.

import { checkHostAddress, parseNetnsCidr } from './addresses.ts';
import { ip, ipBatch } from './ip.ts';
import { NODE_BRIDGE, POD_INTERFACE, podNetnsName, podVethName, type PodRef } from './names.ts';
import { POD_MTU, type NodeNetwork } from './node.ts';

export interface PodNetworkSpec extends PodRef {
  /** The pod's IP, from the node's podCIDR (overlay/ipam's PodIpAllocator hands these out). */
  ip: string;
}

export interface PodNetwork {
  netns: string;
  ip: string;
  gateway: string;
  /** The veth end on the node's bridge, inside the node namespace. */
  nodeVeth: string;
}

export async function createPodNetwork(node: NodeNetwork, spec: PodNetworkSpec): Promise<PodNetwork> {
  const netns = podNetnsName(node.clusterId, spec);
  checkHostAddress(spec.ip, parseNetnsCidr(node.podCidr, 'node.podCidr'), 'ip');
  const nodeVeth = podVethName(spec);
  await ip(undefined, ['netns', 'add', netns]);
  try {
    // Two `ip -batch` runs (one per namespace) instead of a fork per step.
    await ipBatch(node.netns, [
      `link add ${nodeVeth} mtu ${POD_MTU} type veth peer name ${POD_INTERFACE} mtu ${POD_MTU} netns ${netns}`,
      `link set ${nodeVeth} master ${NODE_BRIDGE} up`,
    ]);
    await ipBatch(netns, [
      'link set lo up',
      `addr add ${spec.ip}/${node.podPrefixLength} dev ${POD_INTERFACE}`,
      `link set ${POD_INTERFACE} up`,
      `route add default via ${node.gateway} dev ${POD_INTERFACE}`,
    ]);
  } catch (err) {
    await ip(undefined, ['netns', 'del', netns]).catch(() => undefined);
    throw err;
  }
  return { netns, ip: spec.ip, gateway: node.gateway, nodeVeth };
}

/** Removing the namespace destroys eth0, and with it the veth's node end on cni0. */
export async function removePodNetwork(clusterId: string, pod: PodRef): Promise<void> {
  await ip(undefined, ['netns', 'del', podNetnsName(clusterId, pod)]);
}
