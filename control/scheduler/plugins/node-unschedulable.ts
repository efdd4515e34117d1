// NodeUnschedulable: cordoned nodes (spec.unschedulable) take no new pods,
// unless the pod tolerates node.kubernetes.io/unschedulable:NoSchedule.

import type { FilterPlugin } from '../framework.ts';
import { SUCCESS, schedulingSpec, unresolvable } from '../framework.ts';
import { tolerates } from './taint-toleration.ts';

export const ERR_NODE_UNSCHEDULABLE = 'node(s) were unschedulable';

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter(pod, node) {
    if (!node.node.spec?.unschedulable) return SUCCESS;
    const taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' as const };
    if ((schedulingSpec(pod).tolerations ?? []).some((t) => tolerates(t, taint))) return SUCCESS;
    return unresolvable(ERR_NODE_UNSCHEDULABLE);
  },
};
