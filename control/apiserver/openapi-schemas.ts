// The component schemas of the OpenAPI v3 documents, built from the schemas
// the server validates with: the official models' (openapi-models.ts) for
// built-in kinds, the CRD's openAPIV3Schema for custom kinds (with
// apiVersion, kind and ObjectMeta added, as apiextensions-apiserver does).
// A kind with neither gets an open schema.

import type { CustomKind, JSONSchemaProps, ResourceType } from '../api/index.ts';
import { modelSchemas, objectMetaSchemas } from './openapi-models.ts';
import type { OpenApiSchema } from './openapi-models.ts';
import { gvk, schemaName } from './openapi-paths.ts';

const API_VERSION_DOC =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DOC = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

export interface KindSchemas {
  /** Component name of the kind's schema. */
  root: string;
  list: string;
  schemas: Record<string, OpenApiSchema>;
}

function listSchema(type: ResourceType, version: string, root: string): OpenApiSchema {
  return {
    type: 'object',
    description: `${type.kind}List is a list of ${type.kind}.`,
    properties: {
      apiVersion: { type: 'string', description: API_VERSION_DOC },
      kind: { type: 'string', description: KIND_DOC },
      metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      items: { type: 'array', items: { allOf: [{ $ref: `#/components/schemas/${root}` }] } },
    },
    required: ['items'],
    'x-kubernetes-group-version-kind': [{ ...gvk(type, version), kind: `${type.kind}List` }],
  };
}

function openSchema(type: ResourceType, version: string): OpenApiSchema {
  const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return {
    type: 'object',
    description: `${type.kind} (${type.group || 'core'}/${version}).`,
    properties: { apiVersion: { type: 'string', description: API_VERSION_DOC }, kind: { type: 'string', description: KIND_DOC }, metadata: open, spec: open, status: open },
    'x-kubernetes-preserve-unknown-fields': true,
  };
}

function customSchema(custom: CustomKind, version: string, out: Record<string, OpenApiSchema>): OpenApiSchema {
  const declared: JSONSchemaProps | undefined = custom.definition.spec?.versions.find((v) => v.name === version)?.schema?.openAPIV3Schema;
  const schema = structuredClone(declared ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as JSONSchemaProps;
  const meta = objectMetaSchemas();
  if (meta) Object.assign(out, meta.schemas);
  schema.properties = {
    ...schema.properties,
    apiVersion: { type: 'string', description: API_VERSION_DOC },
    kind: { type: 'string', description: KIND_DOC },
    metadata: meta ? { allOf: [{ $ref: `#/components/schemas/${meta.root}` }], description: METADATA_DOC } : { type: 'object' },
  };
  return schema;
}

export function schemasForKind(type: ResourceType, version: string, custom: CustomKind | undefined): KindSchemas {
  const schemas: Record<string, OpenApiSchema> = {};
  let root: string;
  if (custom) {
    root = schemaName(type, version);
    schemas[root] = customSchema(custom, version, schemas);
  } else {
    const model = modelSchemas(type, version);
    if (model) {
      root = model.root;
      Object.assign(schemas, model.schemas);
      schemas[root] = { ...schemas[root] };
    } else {
      root = schemaName(type, version);
      schemas[root] = openSchema(type, version);
    }
  }
  schemas[root] = { ...schemas[root], 'x-kubernetes-group-version-kind': [gvk(type, version)] };
  const list = `${root}List`;
  schemas[list] = listSchema(type, version, root);
  return { root, list, schemas };
}

/** Swagger 2.0 definitions stay open and carry no GVK (see openApiV2Document). */
export function openDefinition(type: ResourceType, version: string): OpenApiSchema {
  return openSchema(type, version);
}
