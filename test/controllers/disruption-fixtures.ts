// Shared by the disruption controller and eviction tests: the reconciler under
// test and a controller reference stamped onto a manifest.

import type { KubeObject, ObjectInput } from '../../control/api/index.ts';
import { controllerRef } from '../../control/controllers/index.ts';

export { createDisruptionReconciler, DISRUPTED_POD_TIMEOUT_MS } from '../../control/controllers/index.ts';

export function withControllerRefForTest<T extends ObjectInput>(manifest: T, owner: KubeObject): T {
  return { ...manifest, metadata: { ...manifest.metadata, ownerReferences: [controllerRef(owner)] } };
}
