// PrioritySort (QueueSort): higher spec.priority first, then the pod queued
// earlier, as kube-scheduler's default queue order.

import { podPriority } from '../../api/index.ts';
import type { QueueSortPlugin } from '../framework.ts';

export const prioritySort: QueueSortPlugin = {
  name: 'PrioritySort',
  less(a, b) {
    const pa = podPriority(a.pod);
    const pb = podPriority(b.pod);
    return pa > pb || (pa === pb && a.timestamp < b.timestamp);
  },
};
