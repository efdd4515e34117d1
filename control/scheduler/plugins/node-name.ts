// NodeName: a pod that names a node (spec.nodeName before binding) fits only there.
// The scheduler skips bound pods; this plugin matters for what-if runs over a snapshot.

import type { FilterPlugin } from '../framework.ts';
import { SUCCESS, unresolvable } from '../framework.ts';

export const ERR_NODE_NAME = "node(s) didn't match the requested node name";

export const nodeName: FilterPlugin = {
  name: 'NodeName',
  filter(pod, node) {
    const wanted = pod.spec?.nodeName;
    return !wanted || wanted === node.name ? SUCCESS : unresolvable(ERR_NODE_NAME);
  },
};
