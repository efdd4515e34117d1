// control/registry/validation: defaulting and validation the registry runs on
// every create and update. `validateObject` returns one StatusCause per bad
// field (empty = valid); the registry turns non-empty causes into a 422.
//
// Order: object metadata rules, the official schema of the kind
// (kubernetes-models / @kubernetes-models/istio), then hand-written semantic
// rules the schemas cannot express. A field reported by an earlier stage is
// not reported again.

import type { CustomKind, ObjectInput, ResourceType, StatusCause } from '../../api/index.ts';
import { validateRateLimitPolicy } from '../../api/ratelimit-policy.ts';
import { validateAuthorizationPolicy } from '../../../mesh/security/validate.ts';
import { validateMeta } from './meta.ts';
import { validateJob, validatePod, validateServiceSpec, validateWorkload } from './builtin.ts';
import { validateAgainstSchema } from './schema-models.ts';
import { validateCronJob, validateDaemonSet } from './daemonset-cronjob.ts';
import { validateConfigMap, validateSecret } from './data-size.ts';
import { validatePersistentVolume, validatePersistentVolumeClaim } from './storage.ts';
import { validateStatefulSet } from './statefulset.ts';
import { validateHorizontalPodAutoscaler } from './hpa.ts';
import { validateCustomResource, validateCustomResourceDefinition } from './custom-resources/index.ts';

export { applyDefaults } from './defaults.ts';
export { isDns1123Label, isDns1123Subdomain } from './names.ts';
export { preloadSchemas, hasSchema, toFieldPath } from './schema-models.ts';

const KIND_VALIDATORS: Record<string, (obj: ObjectInput) => StatusCause[]> = {
  '/Pod': validatePod,
  '/Service': validateServiceSpec,
  '/ConfigMap': validateConfigMap,
  '/Secret': validateSecret,
  '/PersistentVolume': validatePersistentVolume,
  '/PersistentVolumeClaim': validatePersistentVolumeClaim,
  'apps/Deployment': validateWorkload,
  'apps/ReplicaSet': validateWorkload,
  'apps/StatefulSet': validateStatefulSet,
  'batch/Job': validateJob,
  'apps/DaemonSet': validateDaemonSet,
  'batch/CronJob': validateCronJob,
  'autoscaling/HorizontalPodAutoscaler': validateHorizontalPodAutoscaler,
  'policy.meshlet.dev/RateLimitPolicy': validateRateLimitPolicy,
  'security.istio.io/AuthorizationPolicy': validateAuthorizationPolicy,
  'apiextensions.k8s.io/CustomResourceDefinition': validateCustomResourceDefinition,
};

/** `custom`: the CRD-defined kind `type` is, whose openAPIV3Schema replaces the official schemas. */
export function validateObject(type: ResourceType, obj: ObjectInput, custom?: CustomKind): StatusCause[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return [{ field: '', reason: 'FieldValueInvalid', message: 'Invalid value: object expected' }];
  }
  const causes = validateMeta(type, obj);
  const seen = new Set(causes.map((c) => c.field));
  const add = (more: StatusCause[]): void => {
    for (const c of more) {
      if (seen.has(c.field) || [...seen].some((f) => f !== '' && c.field.startsWith(`${f}.`))) continue;
      seen.add(c.field);
      causes.push(c);
    }
  };
  if (custom) {
    add(validateCustomResource(custom, obj));
    return causes;
  }
  add(validateAgainstSchema(type, obj));
  add(KIND_VALIDATORS[`${type.group}/${type.kind}`]?.(obj) ?? []);
  return causes;
}
export { unknownFields, pruneFields } from './unknown-fields.ts';
export { validateUpdate } from './ratchet.ts';
export { defaultCustomResource, unknownCustomFields } from './custom-resources/index.ts';
