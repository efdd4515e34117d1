// Which events concern a StatefulSet: its own changes, changes of pods it
// controls, and orphan pods its selector matches (candidates for adoption).

import type { Pod, StatefulSet } from '../api/index.ts';
import { PODS, STATEFUL_SETS, matchesSelector, objectKeyOf } from '../api/index.ts';
import type { Controller, InformerSet } from '../runtime/index.ts';
import { joinKey } from './keys.ts';
import { controllerOf } from './owner-refs.ts';

export function watchStatefulSets(informers: InformerSet, controller: Controller): void {
  const sets = informers.for<StatefulSet>(STATEFUL_SETS);
  const enqueueSet = (set: StatefulSet) => controller.enqueue(objectKeyOf(set));
  sets.addHandlers({ onAdd: enqueueSet, onUpdate: (_old, set) => enqueueSet(set), onDelete: enqueueSet });
  const onPod = (pod: Pod) => {
    const ref = controllerOf(pod.metadata);
    if (ref?.kind === 'StatefulSet') {
      controller.enqueue(joinKey(pod.metadata.namespace, ref.name));
      return;
    }
    if (ref) return;
    for (const set of sets.list()) {
      if (set.metadata.namespace === pod.metadata.namespace && matchesSelector(pod.metadata.labels, set.spec?.selector)) enqueueSet(set);
    }
  };
  informers.for<Pod>(PODS).addHandlers({ onAdd: onPod, onUpdate: (_old, pod) => onPod(pod), onDelete: onPod });
}
