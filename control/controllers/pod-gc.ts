// Pod garbage collection for vanished nodes (kube-controller-manager's podgc):
// pods bound to a node that no longer exists have no node agent to stop them
// or to finish their graceful deletion, so they are deleted for good
// (gracePeriodSeconds 0). Their controllers then replace them elsewhere.

import type { Client, Pod } from '../api/index.ts';
import { NODES, PODS, isApiError } from '../api/index.ts';
import type { Reconciler } from '../runtime/index.ts';

export function createPodGcReconciler(options: { client: Client }): Reconciler {
  const { client } = options;
  return {
    name: 'podgc',
    async reconcile(nodeName) {
      if (await client.get(NODES, undefined, nodeName)) return;
      const orphans = (await client.list<Pod>(PODS, { fieldSelector: `spec.nodeName=${nodeName}` })).items;
      for (const pod of orphans) {
        try {
          await client.delete(PODS, pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0 });
        } catch (err) {
          if (!isApiError(err, 'NotFound')) throw err;
        }
      }
    },
  };
}
