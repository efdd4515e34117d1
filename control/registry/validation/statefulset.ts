// StatefulSet rules beyond the schema (Kubernetes' ValidateStatefulSetSpec):
// the workload rules (selector, template labels, replicas), restartPolicy
// Always, the policy and strategy enums, a non-negative partition and ordinal
// start, and claim templates with unique names.

import type { ObjectInput, StatusCause } from '../../api/index.ts';
import { validateWorkload } from './builtin.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function unsupported(field: string, value: unknown, allowed: readonly string[]): StatusCause {
  return { field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}` };
}

function negative(field: string, value: unknown): StatusCause[] {
  if (value === undefined) return [];
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return [];
  return [{ field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: must be greater than or equal to 0` }];
}

export function validateStatefulSet(obj: ObjectInput): StatusCause[] {
  const causes = validateWorkload(obj);
  const spec = obj['spec'];
  if (!isObj(spec)) return causes;
  const policy = spec['podManagementPolicy'];
  if (policy !== undefined && policy !== 'OrderedReady' && policy !== 'Parallel') causes.push(unsupported('spec.podManagementPolicy', policy, ['OrderedReady', 'Parallel']));
  const strategy = spec['updateStrategy'];
  if (isObj(strategy)) {
    const type = strategy['type'];
    if (type !== undefined && type !== 'RollingUpdate' && type !== 'OnDelete') causes.push(unsupported('spec.updateStrategy.type', type, ['OnDelete', 'RollingUpdate']));
    if (type === 'OnDelete' && strategy['rollingUpdate'] !== undefined) {
      causes.push({ field: 'spec.updateStrategy.rollingUpdate', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(strategy['rollingUpdate'])}: only allowed for updateStrategy 'RollingUpdate'` });
    }
    if (isObj(strategy['rollingUpdate'])) causes.push(...negative('spec.updateStrategy.rollingUpdate.partition', strategy['rollingUpdate']['partition']));
  }
  if (isObj(spec['ordinals'])) causes.push(...negative('spec.ordinals.start', spec['ordinals']['start']));
  causes.push(...negative('spec.minReadySeconds', spec['minReadySeconds']));
  const retention = spec['persistentVolumeClaimRetentionPolicy'];
  if (isObj(retention)) {
    for (const key of ['whenDeleted', 'whenScaled']) {
      const v = retention[key];
      if (v !== undefined && v !== 'Retain' && v !== 'Delete') causes.push(unsupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, v, ['Retain', 'Delete']));
    }
  }
  const template = spec['template'];
  const podSpec = isObj(template) ? template['spec'] : undefined;
  const restartPolicy = isObj(podSpec) ? podSpec['restartPolicy'] : undefined;
  if (restartPolicy !== undefined && restartPolicy !== 'Always') causes.push(unsupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  const claims = spec['volumeClaimTemplates'];
  if (Array.isArray(claims)) {
    const seen = new Set<string>();
    claims.forEach((claim, i) => {
      const name = isObj(claim) && isObj(claim['metadata']) ? claim['metadata']['name'] : undefined;
      const field = `spec.volumeClaimTemplates[${i}].metadata.name`;
      if (typeof name !== 'string' || name === '') causes.push({ field, reason: 'FieldValueRequired', message: 'Required value' });
      else if (seen.has(name)) causes.push({ field, reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(name)}` });
      else seen.add(name);
    });
  }
  return causes;
}
