// The StorageObjectInUseProtection admission plugin: every new claim gets the
// kubernetes.io/pvc-protection finalizer and every new volume
// kubernetes.io/pv-protection, which the protection controllers remove when
// the object is no longer in use (control/controllers/persistent-volume-protection.ts).

import type { ObjectInput, ResourceType } from '../api/index.ts';
import { PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER } from '../api/index.ts';

export function addProtectionFinalizer(type: ResourceType, obj: ObjectInput): void {
  const finalizer = type === PERSISTENT_VOLUME_CLAIMS ? PVC_PROTECTION_FINALIZER : type === PERSISTENT_VOLUMES ? PV_PROTECTION_FINALIZER : undefined;
  if (!finalizer) return;
  const finalizers = obj.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) obj.metadata.finalizers = [...finalizers, finalizer];
}
