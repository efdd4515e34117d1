// /openapi/v3 (and /openapi/v2): what kubectl downloads before `apply`.
// kubectl 1.32 checks each kind's PATCH operation for a `fieldValidation`
// query parameter; when present it leaves validation to the server (which
// validates against the official schemas) and sends fieldValidation=Strict.
// The documents therefore carry every path and operation with its GVK, and
// open schemas per kind (x-kubernetes-preserve-unknown-fields).

import { createHash } from 'node:crypto';
import type { ResourceType } from '../api/index.ts';
import { RESOURCE_TYPES } from '../api/index.ts';
import { groupVersions, typesIn } from './discovery.ts';

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'];

/**
 * strategic-merge-patch+json is deliberately not advertised: kubectl would
 * then compute client-side apply patches from these open schemas (and warn
 * that it cannot find fields); without it kubectl uses its compiled-in types
 * for built-in kinds and JSON merge patches for the others. The server still
 * accepts strategic merge patches for built-in kinds.
 */
const PATCH_CONTENT = {
  'application/json-patch+json': { schema: { type: 'object' } },
  'application/merge-patch+json': { schema: { type: 'object' } },
  'application/apply-patch+yaml': { schema: { type: 'object' } },
};

function schemaName(type: ResourceType, version: string): string {
  const group = type.group === '' ? 'core' : type.group;
  const reversed = group.split('.').reverse().join('.');
  return `${reversed}.${version}.${type.kind}`;
}

function gvk(type: ResourceType, version: string): Record<string, string> {
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

function pathsFor(type: ResourceType, version: string): Record<string, unknown> {
  const ref = `#/components/schemas/${schemaName(type, version)}`;
  const listRef = `#/components/schemas/${schemaName(type, version)}List`;
  const paths: Record<string, unknown> = {};
  const nsParam = type.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] : [];
  const collection = basePath(type, version, type.namespaced);
  paths[collection] = {
    get: operation(type, version, 'list', listRef, false),
    post: operation(type, version, 'post', ref, true),
    delete: operation(type, version, 'deletecollection', ref, false),
    parameters: nsParam,
  };
  paths[`${collection}/{name}`] = {
    get: operation(type, version, 'get', ref, false),
    put: operation(type, version, 'put', ref, true),
    patch: operation(type, version, 'patch', ref, true),
    delete: operation(type, version, 'delete', ref, false),
    parameters: [...nsParam, { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
  };
  if (type.namespaced) paths[basePath(type, version, false)] = { get: operation(type, version, 'list', listRef, false) };
  for (const sub of type.subresources) {
    if (sub === 'log' || sub === 'binding' || sub === 'eviction') continue;
    paths[`${collection}/{name}/${sub}`] = {
      get: operation(type, version, 'get', ref, false),
      put: operation(type, version, 'put', ref, true),
      patch: operation(type, version, 'patch', ref, true),
    };
  }
  return paths;
}

function schemasFor(type: ResourceType, version: string): Record<string, unknown> {
  const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return {
    [schemaName(type, version)]: {
      type: 'object',
      description: `${type.kind} (${type.group || 'core'}/${version}); validated by the server against the official schema.`,
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        spec: open,
        status: open,
      },
      'x-kubernetes-preserve-unknown-fields': true,
      'x-kubernetes-group-version-kind': [gvk(type, version)],
    },
    [`${schemaName(type, version)}List`]: {
      type: 'object',
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, items: { type: 'array', items: { $ref: `#/components/schemas/${schemaName(type, version)}` } } },
      'x-kubernetes-group-version-kind': [{ ...gvk(type, version), kind: `${type.kind}List` }],
    },
  };
}

export function openApiV3Document(group: string, version: string): Record<string, unknown> | undefined {
  const types = typesIn(group, version);
  if (types.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: Object.assign({}, ...types.map((t) => pathsFor(t, version))) as Record<string, unknown>,
    components: { schemas: Object.assign({}, ...types.map((t) => schemasFor(t, version))) as Record<string, unknown> },
  };
}

function allGroupVersions(): [string, string][] {
  return [['', 'v1'], ...[...groupVersions().entries()].flatMap(([g, versions]) => versions.map((v) => [g, v] as [string, string]))];
}

let cachedHashes: Map<string, string> | undefined;

function hashOf(group: string, version: string): string {
  cachedHashes ??= new Map();
  const key = `${group}/${version}`;
  let hash = cachedHashes.get(key);
  if (!hash) {
    hash = createHash('sha512').update(JSON.stringify(openApiV3Document(group, version))).digest('hex').slice(0, 64).toUpperCase();
    cachedHashes.set(key, hash);
  }
  return hash;
}

/**
 * kubectl checks the CustomResourceDefinition PATCH operation for the
 * fieldValidation parameter when a manifest names a kind the server does not
 * serve (Gateway API routes, say). Advertising it keeps kubectl on
 * server-side validation, so the user sees Kubernetes' "no matches for kind"
 * instead of a failed OpenAPI v2 download. CRDs themselves are not served.
 */
const CRD_GROUP_VERSION = 'apis/apiextensions.k8s.io/v1';

function crdDocument(): Record<string, unknown> {
  const gvk = { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition' };
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: {
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}': {
        patch: {
          operationId: 'patchCustomResourceDefinition',
          'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': gvk,
          parameters: QUERY_PARAMS.map((name) => ({ name, in: 'query', schema: { type: 'string' }, uniqueItems: true })),
          requestBody: { content: PATCH_CONTENT, required: true },
          responses: { '200': { description: 'OK' } },
        },
      },
    },
    components: { schemas: {} },
  };
}

export function openApiV3Index(): Record<string, unknown> {
  const paths: Record<string, unknown> = { [CRD_GROUP_VERSION]: { serverRelativeURL: `/openapi/v3/${CRD_GROUP_VERSION}?hash=${createHash('sha512').update(JSON.stringify(crdDocument())).digest('hex').slice(0, 64).toUpperCase()}` } };
  for (const [group, version] of allGroupVersions()) {
    const rel = group ? `apis/${group}/${version}` : `api/${version}`;
    paths[rel] = { serverRelativeURL: `/openapi/v3/${rel}?hash=${hashOf(group, version)}` };
  }
  return { paths };
}

/** Resolves `/openapi/v3/api/v1` or `/openapi/v3/apis/G/V` to its document. */
export function openApiV3ForPath(path: string): Record<string, unknown> | undefined {
  const core = /^\/openapi\/v3\/api\/([^/]+)$/.exec(path);
  if (core) return openApiV3Document('', core[1]!);
  if (path === `/openapi/v3/${CRD_GROUP_VERSION}`) return crdDocument();
  const named = /^\/openapi\/v3\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (named) return openApiV3Document(named[1]!, named[2]!);
  return undefined;
}

/**
 * A Swagger 2.0 document with every path. Its definitions carry no GVK on
 * purpose: kubectl's v2 patch path looks kinds up by GVK, and finding an open
 * schema there would make it warn instead of using its compiled-in types.
 */
export function openApiV2Document(): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  const paths: Record<string, unknown> = {};
  for (const t of RESOURCE_TYPES) {
    for (const version of [t.version, ...(t.aliasVersions ?? [])]) {
      for (const [name, schema] of Object.entries(schemasFor(t, version))) {
        const { 'x-kubernetes-group-version-kind': _gvk, ...rest } = schema as Record<string, unknown>;
        definitions[name] = rest;
      }
      const p = pathsFor(t, version) as Record<string, Record<string, Record<string, unknown>>>;
      for (const [path, ops] of Object.entries(p)) {
        const converted: Record<string, unknown> = {};
        for (const [method, op] of Object.entries(ops)) {
          if (method === 'parameters') continue;
          const { requestBody: _body, responses: _responses, parameters, ...rest } = op as Record<string, unknown>;
          converted[method] = {
            ...rest,
            parameters: ((parameters as { name: string; in: string }[] | undefined) ?? []).map((q) => ({ name: q.name, in: q.in, type: 'string', uniqueItems: true })),
            responses: { '200': { description: 'OK', schema: { $ref: `#/definitions/${schemaName(t, version)}` } } },
          };
        }
        paths[path] = converted;
      }
    }
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, definitions };
}
