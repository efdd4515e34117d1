// Kubernetes' ValidateStatefulSetUpdate: once created, a StatefulSet's spec
// may change only in replicas, ordinals, template, updateStrategy,
// revisionHistoryLimit, persistentVolumeClaimRetentionPolicy and minReadySeconds (so a new
// volumeClaimTemplates or serviceName is refused, not silently ignored for
// pods that already exist).

import type { KubeObject, ObjectInput } from '../api/index.ts';
import { invalid, stableStringify } from '../api/index.ts';

const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function frozenPart(spec: unknown): string {
  const rest = { ...((spec ?? {}) as Record<string, unknown>) };
  for (const key of MUTABLE) delete rest[key];
  return stableStringify(rest);
}

export function checkStatefulSetUpdate(current: KubeObject, next: ObjectInput): void {
  if (frozenPart(current.spec) === frozenPart(next['spec'])) return;
  throw invalid(
    'StatefulSet',
    next.metadata.name ?? '',
    [
      {
        field: 'spec',
        reason: 'FieldValueForbidden',
        message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      },
    ],
    'apps',
  );
}
