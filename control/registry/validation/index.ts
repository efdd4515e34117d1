// control/registry/validation: defaulting and validation the registry runs on
// every create and update. `validateObject` returns one StatusCause per bad
// field (empty = valid); the registry turns non-empty causes into a 422.

import type { ObjectInput, ResourceType, StatusCause } from '../../api/index.ts';
import { validateMeta } from './meta.ts';
import { validateJob, validatePod, validateServiceSpec, validateWorkload } from './builtin.ts';

export { applyDefaults } from './defaults.ts';
export { isDns1123Label, isDns1123Subdomain } from './names.ts';

const KIND_VALIDATORS: Record<string, (obj: ObjectInput) => StatusCause[]> = {
  '/Pod': validatePod,
  '/Service': validateServiceSpec,
  'apps/Deployment': validateWorkload,
  'apps/ReplicaSet': validateWorkload,
  'batch/Job': validateJob,
};

export function validateObject(type: ResourceType, obj: ObjectInput): StatusCause[] {
  if (obj === null || typeof obj !== 'object') return [{ field: '', reason: 'FieldValueInvalid', message: 'Invalid value: object expected' }];
  const causes = validateMeta(type, obj);
  causes.push(...(KIND_VALIDATORS[`${type.group}/${type.kind}`]?.(obj) ?? []));
  return causes;
}
