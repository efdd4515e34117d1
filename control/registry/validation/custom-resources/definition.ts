// Validation and defaulting of a CustomResourceDefinition itself, with the
// rules and messages of apiextensions-apiserver's ValidateCustomResourceDefinition.
// Conversion webhooks are refused: meshlet serves every version from one
// stored form (strategy None).

import type { CustomResourceDefinitionVersion, ObjectInput, StatusCause } from '../../../api/index.ts';
import { isDns1123Subdomain } from '../names.ts';
import { isPlainObject } from './field-path.ts';
import { structuralSchemaCauses } from './structural.ts';

type Causes = StatusCause[];

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];

function required(field: string): StatusCause {
  return { field, reason: 'FieldValueRequired', message: 'Required value' };
}

function invalid(field: string, value: unknown, detail: string): StatusCause {
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}` };
}

function labelCauses(field: string, value: unknown, mixedCase = false): Causes {
  if (typeof value !== 'string' || value === '') return [required(field)];
  const checked = mixedCase ? value.toLowerCase() : value;
  if (checked.length <= 63 && DNS1035_LABEL.test(checked)) return [];
  return [invalid(field, value, mixedCase ? `may have mixed case, but should otherwise match: ${DNS1035_MESSAGE}` : DNS1035_MESSAGE)];
}

function namesCauses(names: unknown): Causes {
  if (!isPlainObject(names)) return [required('spec.names')];
  const out: Causes = [...labelCauses('spec.names.plural', names['plural'])];
  if (names['singular'] !== undefined && names['singular'] !== '') out.push(...labelCauses('spec.names.singular', names['singular']));
  out.push(...labelCauses('spec.names.kind', names['kind'], true));
  if (names['listKind'] !== undefined && names['listKind'] !== '') {
    out.push(...labelCauses('spec.names.listKind', names['listKind'], true));
    if (names['listKind'] === names['kind']) out.push(invalid('spec.names.listKind', names['listKind'], 'kind and listKind may not be the same or parsing will be ambiguous'));
  }
  for (const key of ['shortNames', 'categories'] as const) {
    const list = names[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) out.push(invalid(`spec.names.${key}`, list, 'must be a list'));
    else list.forEach((v, i) => out.push(...labelCauses(`spec.names.${key}[${i}]`, v)));
  }
  return out;
}

function jsonPathUnder(path: string, roots: string[]): boolean {
  return roots.some((r) => path === r || path.startsWith(`${r}.`));
}

function versionCauses(v: unknown, i: number, seen: Set<string>): Causes {
  const base = `spec.versions[${i}]`;
  if (!isPlainObject(v)) return [invalid(base, v, 'must be an object')];
  const version = v as unknown as CustomResourceDefinitionVersion;
  const out: Causes = [...labelCauses(`${base}.name`, version.name)];
  if (typeof version.name === 'string') {
    if (seen.has(version.name)) out.push({ field: `${base}.name`, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(version.name)}: must be unique` });
    seen.add(version.name);
  }
  if (typeof version.served !== 'boolean') out.push(required(`${base}.served`));
  if (typeof version.storage !== 'boolean') out.push(required(`${base}.storage`));
  const schema = version.schema?.openAPIV3Schema;
  if (schema === undefined) out.push({ field: `${base}.schema.openAPIV3Schema`, reason: 'FieldValueRequired', message: 'Required value: schemas are required' });
  else out.push(...structuralSchemaCauses(schema, `${base}.schema.openAPIV3Schema`));
  const scale = version.subresources?.scale;
  if (scale) {
    const sp = `${base}.subresources.scale`;
    if (!scale.specReplicasPath) out.push(required(`${sp}.specReplicasPath`));
    else if (!jsonPathUnder(scale.specReplicasPath, ['.spec'])) out.push(invalid(`${sp}.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec'));
    if (!scale.statusReplicasPath) out.push(required(`${sp}.statusReplicasPath`));
    else if (!jsonPathUnder(scale.statusReplicasPath, ['.status'])) out.push(invalid(`${sp}.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status'));
    if (scale.labelSelectorPath && !jsonPathUnder(scale.labelSelectorPath, ['.spec', '.status'])) {
      out.push(invalid(`${sp}.labelSelectorPath`, scale.labelSelectorPath, 'should be a json path under either .spec or .status'));
    }
  }
  (version.additionalPrinterColumns ?? []).forEach((c, j) => {
    const cp = `${base}.additionalPrinterColumns[${j}]`;
    if (!c.name) out.push(required(`${cp}.name`));
    if (!COLUMN_TYPES.includes(c.type)) out.push({ field: `${cp}.type`, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(c.type)}: supported values: ${COLUMN_TYPES.map((t) => JSON.stringify(t)).join(', ')}` });
    if (!c.jsonPath) out.push(required(`${cp}.jsonPath`));
    if (c.priority !== undefined && (!Number.isInteger(c.priority) || c.priority < 0)) out.push(invalid(`${cp}.priority`, c.priority, 'must be a non-negative integer'));
  });
  return out;
}

export function validateCustomResourceDefinition(obj: ObjectInput): Causes {
  const spec = obj['spec'];
  if (!isPlainObject(spec)) return [required('spec')];
  const out: Causes = [];
  const group = spec['group'];
  if (typeof group !== 'string' || group === '') out.push(required('spec.group'));
  else if (!isDns1123Subdomain(group)) out.push(invalid('spec.group', group, 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\''));
  else if (!group.includes('.')) out.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  const names = spec['names'];
  out.push(...namesCauses(names));
  const plural = isPlainObject(names) ? names['plural'] : undefined;
  const expected = `${String(plural)}.${String(group)}`;
  if (obj.metadata.name !== undefined && obj.metadata.name !== expected) {
    out.push(invalid('metadata.name', obj.metadata.name, 'must be spec.names.plural+"."+spec.group'));
  }
  const scope = spec['scope'];
  if (scope !== 'Namespaced' && scope !== 'Cluster') {
    out.push(scope === undefined ? required('spec.scope') : { field: 'spec.scope', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(scope)}: supported values: "Cluster", "Namespaced"` });
  }
  const versions = spec['versions'];
  if (!Array.isArray(versions) || versions.length === 0) {
    out.push({ field: 'spec.versions', reason: 'FieldValueInvalid', message: 'Invalid value: null: must have exactly one version marked as storage version' });
  } else {
    const seen = new Set<string>();
    versions.forEach((v, i) => out.push(...versionCauses(v, i, seen)));
    const storage = versions.filter((v) => isPlainObject(v) && v['storage'] === true).length;
    if (storage !== 1) out.push(invalid('spec.versions', versions.map((v) => (isPlainObject(v) ? v['name'] : v)), 'must have exactly one version marked as storage version'));
  }
  const strategy = isPlainObject(spec['conversion']) ? spec['conversion']['strategy'] : undefined;
  if (strategy !== undefined && strategy !== 'None') {
    out.push({ field: 'spec.conversion.strategy', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(strategy)}: supported values: "None" (meshlet does not call conversion webhooks)` });
  }
  return out;
}

/** singular and listKind from kind, conversion None, as the API server defaults them. */
export function defaultCustomResourceDefinition(obj: Record<string, unknown>): void {
  const spec = obj['spec'];
  if (!isPlainObject(spec)) return;
  const names = spec['names'];
  if (isPlainObject(names) && typeof names['kind'] === 'string') {
    if (!names['singular']) names['singular'] = names['kind'].toLowerCase();
    if (!names['listKind']) names['listKind'] = `${names['kind']}List`;
  }
  if (!isPlainObject(spec['conversion'])) spec['conversion'] = { strategy: 'None' };
}
