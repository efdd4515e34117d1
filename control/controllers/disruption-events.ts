// Which PodDisruptionBudgets an informer event concerns: the budget itself,
// the budgets selecting a pod that changed (before or after a relabel), and
// every budget of a namespace whose workloads' scale may have moved.

import type { KubeObject, Pod, PodDisruptionBudget } from '../api/index.ts';
import { DEPLOYMENTS, PODS, POD_DISRUPTION_BUDGETS, REPLICA_SETS, objectKeyOf, pdbSelectsPod } from '../api/index.ts';
import type { InformerSet } from '../runtime/index.ts';

export function watchDisruptionBudgets(informers: InformerSet, enqueue: (key: string) => void): void {
  const pdbs = informers.for<PodDisruptionBudget>(POD_DISRUPTION_BUDGETS);
  const each = <T extends KubeObject>(handler: (obj: T, old?: T) => void) => ({
    onAdd: (obj: T) => handler(obj),
    onUpdate: (old: T, obj: T) => handler(obj, old),
    onDelete: (obj: T) => handler(obj),
  });
  pdbs.addHandlers(each<PodDisruptionBudget>((pdb) => enqueue(objectKeyOf(pdb))));
  informers.for<Pod>(PODS).addHandlers(
    each<Pod>((pod, old) => {
      for (const pdb of pdbs.list()) {
        if (pdb.metadata.namespace !== pod.metadata.namespace) continue;
        if (pdbSelectsPod(pdb, pod.metadata.labels) || (old && pdbSelectsPod(pdb, old.metadata.labels))) enqueue(objectKeyOf(pdb));
      }
    }),
  );
  const scaleChanged = (obj: KubeObject) => {
    for (const pdb of pdbs.list()) if (pdb.metadata.namespace === obj.metadata.namespace) enqueue(objectKeyOf(pdb));
  };
  for (const type of [DEPLOYMENTS, REPLICA_SETS]) informers.for(type).addHandlers(each(scaleChanged));
}
