// NodeReady: nodes whose Ready condition is not True take no pods. (Kubernetes
// gets the same effect from the node.kubernetes.io/not-ready taint; meshlet's
// node agents report the condition, so the scheduler reads it directly.)

import type { FilterPlugin } from '../framework.ts';
import { SUCCESS, unschedulable } from '../framework.ts';

export const ERR_NODE_NOT_READY = 'node(s) were not ready';

export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  filter(_pod, node) {
    const ready = node.node.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'True' ? SUCCESS : unschedulable(ERR_NODE_NOT_READY);
  },
};
