// NodeResourcesLeastAllocated: prefers the node with the most free cpu and
// memory after placing the pod (kube-scheduler's default scoring strategy),
// which spreads pods across equal nodes. Uses non-zero requests, so pods
// that state none still count.

import type { ScorePlugin } from '../framework.ts';
import { cycleRequests } from '../resources.ts';

function freeFraction(allocatable: number, used: number): number {
  if (!Number.isFinite(allocatable)) return 100;
  if (allocatable <= 0 || used > allocatable) return 0;
  return ((allocatable - used) * 100) / allocatable;
}

export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesLeastAllocated',
  weight: 1,
  score(pod, node, state) {
    const { nonZero } = cycleRequests(pod, state.data);
    const cpu = freeFraction(node.allocatable.milliCpu, node.nonZeroRequested.milliCpu + nonZero.milliCpu);
    const memory = freeFraction(node.allocatable.memory, node.nonZeroRequested.memory + nonZero.memory);
    return (cpu + memory) / 2;
  },
};
