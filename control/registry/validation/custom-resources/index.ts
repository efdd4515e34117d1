// control/registry/validation/custom-resources: CustomResourceDefinitions and
// the objects they define. The CRD itself is checked by
// validateCustomResourceDefinition (names, versions, structural schemas);
// custom resources are pruned, defaulted and validated against the
// openAPIV3Schema of their CRD by prepareCustomResource.

import type { CustomKind, ObjectInput, StatusCause } from '../../../api/index.ts';
import { pruneValue, applySchemaDefaults } from './prune.ts';
import { validateValue } from './schema-values.ts';
import { isPlainObject } from './field-path.ts';

export { validateCustomResourceDefinition, defaultCustomResourceDefinition } from './definition.ts';
export { structuralSchemaCauses } from './structural.ts';
export { validateValue } from './schema-values.ts';
export { pruneValue, applySchemaDefaults } from './prune.ts';

function schemaOf(kind: CustomKind): Record<string, unknown> | undefined {
  const version = kind.definition.spec?.versions.find((v) => v.name === kind.type.version);
  return version?.schema?.openAPIV3Schema;
}

/** Prunes unknown fields and applies defaults, on a copy (the storage version's schema). */
export function defaultCustomResource(kind: CustomKind, obj: ObjectInput): ObjectInput {
  const copy = structuredClone(obj);
  const schema = schemaOf(kind);
  if (!schema) return copy;
  if (kind.definition.spec?.preserveUnknownFields !== true) pruneValue(schema, copy, true);
  applySchemaDefaults(schema, copy);
  return copy;
}

/**
 * Field paths pruning would drop from `body` (an object or a patch of one):
 * what fieldValidation=Strict reports as unknown fields for custom resources.
 */
export function unknownCustomFields(kind: CustomKind, body: Record<string, unknown>): string[] {
  const schema = schemaOf(kind);
  if (!schema || kind.definition.spec?.preserveUnknownFields === true) return [];
  const pruned: string[] = [];
  pruneValue(schema, structuredClone(body), true, '', pruned);
  return pruned;
}

/** Schema causes for a custom resource (metadata is checked by the common metadata rules). */
export function validateCustomResource(kind: CustomKind, obj: ObjectInput): StatusCause[] {
  const schema = schemaOf(kind);
  if (!schema) return [];
  const { metadata: _metadata, apiVersion: _apiVersion, kind: _kind, ...rest } = obj;
  const rootSchema = { ...schema, properties: Object.fromEntries(Object.entries(schema['properties'] ?? {}).filter(([k]) => k !== 'metadata' && k !== 'apiVersion' && k !== 'kind')), required: ((schema['required'] as string[] | undefined) ?? []).filter((r) => r !== 'metadata') };
  return isPlainObject(rest) ? validateValue(rootSchema, rest, '') : [];
}
