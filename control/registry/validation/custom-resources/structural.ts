// The structural-schema rules apiextensions.k8s.io/v1 requires of every
// openAPIV3Schema (a CRD whose schema breaks them is refused): a type on
// every specified node, object at the root, items for arrays, properties and
// additionalProperties not both, x-kubernetes-* extensions used as defined,
// root metadata limited to name and generateName, defaults that validate.

import type { JSONSchemaProps, StatusCause } from '../../../api/index.ts';
import { isPlainObject } from './field-path.ts';
import { validateValue } from './schema-values.ts';

type Causes = StatusCause[];

const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];

function required(field: string, detail: string): StatusCause {
  return { field, reason: 'FieldValueRequired', message: `Required value: ${detail}` };
}

function forbidden(field: string, detail: string): StatusCause {
  return { field, reason: 'FieldValueForbidden', message: `Forbidden: ${detail}` };
}

function invalid(field: string, value: unknown, detail: string): StatusCause {
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}` };
}

function defaultCauses(s: JSONSchemaProps, path: string): Causes {
  if (s.default === undefined) return [];
  const problems = validateValue(s, s.default, 'default');
  return problems.length ? [invalid(`${path}.default`, s.default, problems.map((p) => p.message).join(', '))] : [];
}

function nodeCauses(s: unknown, path: string, where: 'root' | 'object fields' | 'array items' | 'additionalProperties'): Causes {
  if (!isPlainObject(s)) return [invalid(path, s, 'must be an object')];
  const node = s as JSONSchemaProps;
  const out: Causes = [];
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  if (preserve !== undefined && preserve !== true) out.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, preserve, 'must be true or undefined'));
  if (node.type === undefined) {
    if (!intOrString && preserve !== true) out.push(required(`${path}.type`, where === 'root' ? 'must not be empty at the root' : `must not be empty for specified ${where}`));
  } else if (!TYPES.includes(node.type)) {
    out.push({ field: `${path}.type`, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(node.type)}: supported values: ${TYPES.map((t) => JSON.stringify(t)).join(', ')}` });
  } else if (intOrString) {
    out.push(forbidden(`${path}.type`, 'must be empty if x-kubernetes-int-or-string is true'));
  }
  if (where === 'root' && node.type !== undefined && node.type !== 'object') out.push(invalid(`${path}.type`, node.type, 'must be object at the root'));
  if (node['x-kubernetes-embedded-resource'] === true && node.type !== 'object') out.push(invalid(`${path}.type`, node.type ?? '', 'must be object if x-kubernetes-embedded-resource is true'));
  if (node.properties !== undefined && node.additionalProperties !== undefined && node.additionalProperties !== false) {
    out.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  if (node.type === 'array' && node.items === undefined) out.push(required(`${path}.items`, 'must be specified'));
  if (node.items !== undefined) {
    if (Array.isArray(node.items)) out.push(forbidden(`${path}.items`, 'items must be a schema object and not an array'));
    else out.push(...nodeCauses(node.items, `${path}.items`, 'array items'));
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const childPath = `${path}.properties[${name}]`;
    if (where === 'root' && name === 'metadata') out.push(...rootMetadataCauses(child, childPath));
    else out.push(...nodeCauses(child, childPath, 'object fields'));
  }
  if (isPlainObject(node.additionalProperties)) out.push(...nodeCauses(node.additionalProperties, `${path}.additionalProperties`, 'additionalProperties'));
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    for (const [i, part] of (node[key] ?? []).entries()) {
      if (isPlainObject(part) && (part.type !== undefined || part.default !== undefined)) out.push(forbidden(`${path}.${key}[${i}]`, 'must not specify type or default inside a value validation'));
    }
  }
  if (out.length === 0) out.push(...defaultCauses(node, path));
  return out;
}

function rootMetadataCauses(s: unknown, path: string): Causes {
  if (!isPlainObject(s)) return [invalid(path, s, 'must be an object')];
  const node = s as JSONSchemaProps;
  const out: Causes = [];
  if (node.type !== undefined && node.type !== 'object') out.push(invalid(`${path}.type`, node.type, 'must be object'));
  for (const name of Object.keys(node.properties ?? {})) {
    if (name !== 'name' && name !== 'generateName') out.push(forbidden(`${path}.properties[${name}]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  return out;
}

/** Causes for a version's openAPIV3Schema at `path` (…schema.openAPIV3Schema). */
export function structuralSchemaCauses(schema: unknown, path: string): Causes {
  return nodeCauses(schema, path, 'root');
}
