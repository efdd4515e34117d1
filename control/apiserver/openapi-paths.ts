// The paths and operations of the OpenAPI documents: every REST path of a
// kind with its GVK and query parameters. kubectl 1.32 checks each kind's
// PATCH operation for a `fieldValidation` query parameter; when present it
// leaves validation to the server and sends fieldValidation=Strict.

import type { ResourceType } from '../api/index.ts';

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'];

/**
 * strategic-merge-patch+json is deliberately not advertised: kubectl would
 * then compute client-side apply patches from these schemas; without it
 * kubectl uses its compiled-in types for built-in kinds and JSON merge
 * patches for the others. The server still accepts strategic merge patches
 * for built-in kinds.
 */
const PATCH_CONTENT = {
  'application/json-patch+json': { schema: { type: 'object' } },
  'application/merge-patch+json': { schema: { type: 'object' } },
  'application/apply-patch+yaml': { schema: { type: 'object' } },
};

/** `io.k8s.api.core.v1.Pod`-style names for kinds without a model (CRD kinds): reversed group, version, kind. */
export function schemaName(type: ResourceType, version: string): string {
  const group = type.group === '' ? 'core' : type.group;
  const reversed = group.split('.').reverse().join('.');
  return `${reversed}.${version}.${type.kind}`;
}

export function gvk(type: ResourceType, version: string): Record<string, string> {
  return { group: type.group, version, kind: type.kind };
}

function basePath(type: ResourceType, version: string, namespaced: boolean): string {
  const root = type.group === '' ? `/api/${version}` : `/apis/${type.group}/${version}`;
  return namespaced ? `${root}/namespaces/{namespace}/${type.plural}` : `${root}/${type.plural}`;
}

function operation(type: ResourceType, version: string, action: string, ref: string, withBody: boolean): Record<string, unknown> {
  const content = { 'application/json': { schema: { $ref: ref } } };
  return {
    operationId: `${action}${type.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk(type, version),
    parameters: QUERY_PARAMS.map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string' }, uniqueItems: true })),
    ...(withBody ? { requestBody: { content: action === 'patch' ? PATCH_CONTENT : content, required: true } } : {}),
    responses: { '200': { description: 'OK', content } },
  };
}

/** `ref`/`listRef`: the component names of the kind's schema and its list. */
export function pathsFor(type: ResourceType, version: string, ref: string, listRef: string): Record<string, unknown> {
  const refPath = `#/components/schemas/${ref}`;
  const listPath = `#/components/schemas/${listRef}`;
  const paths: Record<string, unknown> = {};
  const nsParam = type.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] : [];
  const collection = basePath(type, version, type.namespaced);
  paths[collection] = {
    get: operation(type, version, 'list', listPath, false),
    post: operation(type, version, 'post', refPath, true),
    delete: operation(type, version, 'deletecollection', refPath, false),
    parameters: nsParam,
  };
  paths[`${collection}/{name}`] = {
    get: operation(type, version, 'get', refPath, false),
    put: operation(type, version, 'put', refPath, true),
    patch: operation(type, version, 'patch', refPath, true),
    delete: operation(type, version, 'delete', refPath, false),
    parameters: [...nsParam, { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
  };
  if (type.namespaced) paths[basePath(type, version, false)] = { get: operation(type, version, 'list', listPath, false) };
  for (const sub of type.subresources) {
    if (sub === 'log' || sub === 'binding' || sub === 'eviction') continue;
    paths[`${collection}/{name}/${sub}`] = {
      get: operation(type, version, 'get', refPath, false),
      put: operation(type, version, 'put', refPath, true),
      patch: operation(type, version, 'patch', refPath, true),
    };
  }
  return paths;
}
