// Kubernetes name and label rules (apimachinery's validation.IsDNS1123Subdomain,
// IsDNS1123Label, IsQualifiedName, IsValidLabelValue), returning causes.

import type { StatusCause } from '../../api/index.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** apimachinery's MaxLenError: a name over the limit says so, in a cause of its own. */
function maxLengthCause(field: string, value: string, max: number): StatusCause[] {
  return value.length > max ? [{ field, reason: 'FieldValueInvalid', message: `Invalid value: "${value}": must be no more than ${max} characters` }] : [];
}

export function dns1123LabelCauses(field: string, value: string): StatusCause[] {
  const causes = maxLengthCause(field, value, 63);
  if (!DNS1123_LABEL.test(value)) {
    causes.push({
      field,
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${value}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    });
  }
  return causes;
}

export function dns1123SubdomainCauses(field: string, value: string): StatusCause[] {
  const causes = maxLengthCause(field, value, 253);
  if (!DNS1123_SUBDOMAIN.test(value)) {
    causes.push({
      field,
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${value}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    });
  }
  return causes;
}

/** Label and annotation keys: an optional DNS-subdomain prefix, `/`, and a name of at most 63 characters. */
export function qualifiedNameCauses(field: string, key: string): StatusCause[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  const ok = name.length > 0 && name.length <= 63 && QUALIFIED_NAME_PART.test(name) && (prefix === undefined || isDns1123Subdomain(prefix));
  if (ok) return [];
  return [{
    field,
    reason: 'FieldValueInvalid',
    message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (an optional prefix must be a DNS subdomain)`,
  }];
}

export function labelValueCauses(field: string, value: unknown): StatusCause[] {
  if (typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value)) return [];
  return [{
    field,
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (max 63 characters)`,
  }];
}
