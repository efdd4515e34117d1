// Which DaemonSets a change concerns: their own changes, their pods and
// revisions, orphan pods their selector matches, and nodes whose labels,
// taints or cordoning changed (heartbeats and status are ignored, as in
// Kubernetes' shouldIgnoreNodeUpdate), or that came or went.

import type { ControllerRevision, DaemonSet, Node, Pod } from '../api/index.ts';
import { CONTROLLER_REVISIONS, DAEMON_SETS, NODES, PODS, matchesSelector, objectKeyOf, stableStringify } from '../api/index.ts';
import type { Controller, InformerSet } from '../runtime/index.ts';
import { joinKey } from './keys.ts';
import { controllerOf } from './owner-refs.ts';

function placementInputs(node: Node): string {
  return stableStringify({ labels: node.metadata.labels ?? {}, taints: node.spec?.taints ?? [], unschedulable: node.spec?.unschedulable ?? false });
}

export function watchDaemonSets(informers: InformerSet, daemonSets: Controller): void {
  const dsInformer = informers.for<DaemonSet>(DAEMON_SETS);
  const own = (ds: DaemonSet) => daemonSets.enqueue(objectKeyOf(ds));
  const all = () => {
    for (const ds of dsInformer.list()) own(ds);
  };
  dsInformer.addHandlers({ onAdd: own, onUpdate: (_old, ds) => own(ds), onDelete: own });

  informers.for<Node>(NODES).addHandlers({
    onAdd: all,
    onUpdate: (old, node) => {
      if (placementInputs(old) !== placementInputs(node)) all();
    },
    onDelete: all,
  });

  const ofPod = (pod: Pod) => {
    const ref = controllerOf(pod.metadata);
    if (ref?.kind === 'DaemonSet') daemonSets.enqueue(joinKey(pod.metadata.namespace, ref.name));
    else if (!ref) {
      for (const ds of dsInformer.list()) {
        if (ds.metadata.namespace === pod.metadata.namespace && matchesSelector(pod.metadata.labels, ds.spec?.selector)) own(ds);
      }
    }
  };
  informers.for<Pod>(PODS).addHandlers({ onAdd: ofPod, onUpdate: (_old, pod) => ofPod(pod), onDelete: ofPod });

  const ofRevision = (rev: ControllerRevision) => {
    const ref = controllerOf(rev.metadata);
    if (ref?.kind === 'DaemonSet') daemonSets.enqueue(joinKey(rev.metadata.namespace, ref.name));
  };
  informers.for<ControllerRevision>(CONTROLLER_REVISIONS).addHandlers({ onAdd: ofRevision, onUpdate: (_old, rev) => ofRevision(rev), onDelete: ofRevision });
}
