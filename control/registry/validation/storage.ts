// Semantic checks for PersistentVolume and PersistentVolumeClaim that the
// OpenAPI schema cannot express, worded as pkg/apis/core/validation words them.

import type { ObjectInput, StatusCause } from '../../api/index.ts';
import { stableStringify, storageBytes } from '../../api/index.ts';

type Obj = Record<string, unknown>;

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function accessModeCauses(field: string, modes: unknown): StatusCause[] {
  if (!Array.isArray(modes) || modes.length === 0) return [{ field, reason: 'FieldValueRequired', message: 'Required value: at least 1 access mode is required' }];
  const causes: StatusCause[] = [];
  modes.forEach((mode, i) => {
    if (!ACCESS_MODES.includes(mode as string)) {
      causes.push({ field: `${field}[${i}]`, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(mode)}: supported values: ${ACCESS_MODES.map((m) => JSON.stringify(m)).join(', ')}` });
    }
  });
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) {
    causes.push({ field, reason: 'FieldValueForbidden', message: 'Forbidden: may not use ReadWriteOncePod with other access modes' });
  }
  return causes;
}

function storageQuantityCauses(field: string, map: unknown): StatusCause[] {
  const storage = isObj(map) ? map['storage'] : undefined;
  if (storage === undefined) return [{ field: `${field}[storage]`, reason: 'FieldValueRequired', message: 'Required value' }];
  const bytes = typeof storage === 'string' || typeof storage === 'number' ? storageBytes(storage) : Number.NaN;
  if (!Number.isFinite(bytes)) return [{ field: `${field}[storage]`, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(storage)}: must be a quantity` }];
  if (bytes <= 0) return [{ field: `${field}[storage]`, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(storage)}: must be greater than zero` }];
  return [];
}

/** The volume sources meshlet can serve; a PV must name exactly one. */
const VOLUME_SOURCES = ['hostPath', 'local', 'nfs', 'csi'];

export function validatePersistentVolume(obj: ObjectInput): StatusCause[] {
  const spec = obj['spec'];
  if (!isObj(spec)) return [{ field: 'spec', reason: 'FieldValueRequired', message: 'Required value' }];
  const causes = [...accessModeCauses('spec.accessModes', spec['accessModes']), ...storageQuantityCauses('spec.capacity', spec['capacity'])];
  const sources = VOLUME_SOURCES.filter((s) => spec[s] !== undefined);
  if (sources.length === 0) causes.push({ field: 'spec', reason: 'FieldValueRequired', message: 'Required value: must specify a volume type' });
  if (sources.length > 1) causes.push({ field: `spec.${sources[1]}`, reason: 'FieldValueForbidden', message: 'Forbidden: may not specify more than 1 volume type' });
  return causes;
}

export function validatePersistentVolumeClaim(obj: ObjectInput): StatusCause[] {
  const spec = obj['spec'];
  if (!isObj(spec)) return [{ field: 'spec', reason: 'FieldValueRequired', message: 'Required value' }];
  const resources = spec['resources'];
  return [...accessModeCauses('spec.accessModes', spec['accessModes']), ...storageQuantityCauses('spec.resources.requests', isObj(resources) ? resources['requests'] : undefined)];
}

function same(a: unknown, b: unknown): boolean {
  return stableStringify(a ?? null) === stableStringify(b ?? null);
}

function forbidden(field: string, message: string): StatusCause {
  return { field, reason: 'FieldValueForbidden', message: `Forbidden: ${message}` };
}

function immutable(field: string, value: unknown): StatusCause {
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: field is immutable` };
}

/**
 * A claim's spec is fixed once created (ValidatePersistentVolumeClaimUpdate), except its
 * requests and attributes class; volumeName may be set while empty (binding) and
 * storageClassName while absent (a default class assigned later).
 */
export function validatePersistentVolumeClaimUpdate(next: ObjectInput, current: ObjectInput): StatusCause[] {
  const before = isObj(current['spec']) ? { ...current['spec'] } : {};
  const after = isObj(next['spec']) ? { ...next['spec'] } : {};
  for (const spec of [before, after]) {
    delete spec['resources'];
    delete spec['volumeAttributesClassName'];
  }
  if (!before['volumeName']) before['volumeName'] = after['volumeName'];
  if (before['storageClassName'] === undefined) before['storageClassName'] = after['storageClassName'];
  return same(before, after) ? [] : [forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims')];
}

export function validatePersistentVolumeUpdate(next: ObjectInput, current: ObjectInput): StatusCause[] {
  const before = isObj(current['spec']) ? current['spec'] : {};
  const after = isObj(next['spec']) ? next['spec'] : {};
  const causes: StatusCause[] = [];
  if (VOLUME_SOURCES.some((s) => !same(before[s], after[s]))) causes.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  if (before['volumeMode'] !== undefined && !same(before['volumeMode'], after['volumeMode'])) causes.push(immutable('spec.volumeMode', after['volumeMode']));
  if (before['nodeAffinity'] !== undefined && !same(before['nodeAffinity'], after['nodeAffinity'])) causes.push(immutable('spec.nodeAffinity', after['nodeAffinity']));
  return causes;
}

export function validateStorageClassUpdate(next: ObjectInput, current: ObjectInput): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const field of ['parameters', 'provisioner', 'reclaimPolicy']) {
    if (!same(current[field], next[field])) causes.push(forbidden(field, `updates to ${field} are forbidden.`));
  }
  if (!same(current['volumeBindingMode'], next['volumeBindingMode'])) causes.push(immutable('volumeBindingMode', next['volumeBindingMode']));
  return causes;
}
