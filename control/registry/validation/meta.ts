// ObjectMeta validation common to every kind: name (or generateName),
// namespace, labels and annotations.

import type { ObjectInput, ResourceType, StatusCause } from '../../api/index.ts';
import { dns1123LabelCauses, dns1123SubdomainCauses, labelValueCauses, qualifiedNameCauses } from './names.ts';

/** Kinds whose names are DNS-1123 labels rather than subdomains (apimachinery's ValidateNamespaceName / ValidateServiceName). */
const LABEL_NAMED_KINDS = new Set(['Namespace', 'Service']);

export function validateMeta(type: ResourceType, obj: ObjectInput): StatusCause[] {
  const causes: StatusCause[] = [];
  const meta = obj.metadata as unknown;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    return [{ field: 'metadata', reason: 'FieldValueRequired', message: 'Required value: metadata must be an object' }];
  }
  const m = obj.metadata;
  if (m.name === undefined || m.name === '') {
    if (!m.generateName) causes.push({ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' });
  } else if (typeof m.name !== 'string') {
    causes.push({ field: 'metadata.name', reason: 'FieldValueInvalid', message: 'Invalid value: name must be a string' });
  } else {
    causes.push(...(LABEL_NAMED_KINDS.has(type.kind) ? dns1123LabelCauses('metadata.name', m.name) : dns1123SubdomainCauses('metadata.name', m.name)));
  }
  if (m.namespace !== undefined && m.namespace !== '') {
    if (!type.namespaced) {
      causes.push({ field: 'metadata.namespace', reason: 'FieldValueForbidden', message: `Forbidden: not allowed on this type` });
    } else if (typeof m.namespace !== 'string') {
      causes.push({ field: 'metadata.namespace', reason: 'FieldValueInvalid', message: 'Invalid value: namespace must be a string' });
    } else {
      causes.push(...dns1123LabelCauses('metadata.namespace', m.namespace));
    }
  }
  causes.push(...validateStringMap('metadata.labels', m.labels, true));
  causes.push(...validateStringMap('metadata.annotations', m.annotations, false));
  return causes;
}

function validateStringMap(field: string, map: unknown, labelValues: boolean): StatusCause[] {
  if (map === undefined || map === null) return [];
  if (typeof map !== 'object' || Array.isArray(map)) {
    return [{ field, reason: 'FieldValueInvalid', message: 'Invalid value: must be a map of string to string' }];
  }
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(map as Record<string, unknown>)) {
    causes.push(...qualifiedNameCauses(`${field}`, key));
    if (labelValues) causes.push(...labelValueCauses(`${field}`, value));
    else if (typeof value !== 'string') causes.push({ field: `${field}[${key}]`, reason: 'FieldValueInvalid', message: 'Invalid value: must be a string' });
  }
  return causes;
}
