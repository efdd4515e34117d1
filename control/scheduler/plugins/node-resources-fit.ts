// NodeResourcesFit: the pod's cpu/memory requests must fit in what the node's
// allocatable leaves after the pods already there, and the node's pod
// capacity must not be reached. One node can fail for several reasons at once.

import type { FilterPlugin } from '../framework.ts';
import { SUCCESS, unschedulable } from '../framework.ts';
import { cycleRequests } from '../resources.ts';

export const ERR_TOO_MANY_PODS = 'Too many pods';
export const ERR_INSUFFICIENT_CPU = 'Insufficient cpu';
export const ERR_INSUFFICIENT_MEMORY = 'Insufficient memory';

export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter(pod, node, state) {
    const reasons: string[] = [];
    if (node.pods.size + 1 > node.allocatable.pods) reasons.push(ERR_TOO_MANY_PODS);
    const { requested } = cycleRequests(pod, state.data);
    if (requested.milliCpu > 0 && requested.milliCpu > node.allocatable.milliCpu - node.requested.milliCpu) reasons.push(ERR_INSUFFICIENT_CPU);
    if (requested.memory > 0 && requested.memory > node.allocatable.memory - node.requested.memory) reasons.push(ERR_INSUFFICIENT_MEMORY);
    return reasons.length === 0 ? SUCCESS : unschedulable(...reasons);
  },
};
