// /openapi/v3 (and /openapi/v2): what kubectl downloads before `apply` and
// for `explain`. The v3 index lists one document per group-version with a
// hash of its content; kubectl caches documents by that hash, so a CRD that
// changes a group's kinds changes its hash. Documents carry every path and
// operation (openapi-paths.ts) and the kinds' real schemas with descriptions
// (openapi-schemas.ts).

import { createHash } from 'node:crypto';
import type { KindCatalog } from '../api/index.ts';
import { groupVersions, typesIn } from './discovery.ts';
import { pathsFor, schemaName } from './openapi-paths.ts';
import { openDefinition, schemasForKind } from './openapi-schemas.ts';
import { servedVersions } from './request-info.ts';

type Doc = Record<string, unknown>;

/** Documents and hashes per catalog revision: built once, dropped when kinds change. */
const cache = new WeakMap<KindCatalog, { revision: number; docs: Map<string, Doc | undefined>; hashes: Map<string, string> }>();

function cacheFor(kinds: KindCatalog): { docs: Map<string, Doc | undefined>; hashes: Map<string, string> } {
  let entry = cache.get(kinds);
  if (!entry || entry.revision !== kinds.revision) {
    entry = { revision: kinds.revision, docs: new Map(), hashes: new Map() };
    cache.set(kinds, entry);
  }
  return entry;
}

function buildDocument(kinds: KindCatalog, group: string, version: string): Doc | undefined {
  const types = typesIn(kinds, group, version);
  if (types.length === 0) return undefined;
  const paths: Doc = {};
  const schemas: Doc = {};
  for (const t of types) {
    const built = schemasForKind(t, version, kinds.customKind(t));
    Object.assign(schemas, built.schemas);
    Object.assign(paths, pathsFor(t, version, built.root, built.list));
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas } };
}

export function openApiV3Document(kinds: KindCatalog, group: string, version: string): Doc | undefined {
  const { docs } = cacheFor(kinds);
  const key = `${group}/${version}`;
  if (!docs.has(key)) docs.set(key, buildDocument(kinds, group, version));
  return docs.get(key);
}

function allGroupVersions(kinds: KindCatalog): [string, string][] {
  return [['', 'v1'], ...[...groupVersions(kinds).entries()].flatMap(([g, versions]) => versions.map((v) => [g, v] as [string, string]))];
}

function hashOf(kinds: KindCatalog, group: string, version: string): string {
  const { hashes } = cacheFor(kinds);
  const key = `${group}/${version}`;
  let hash = hashes.get(key);
  if (!hash) {
    hash = createHash('sha512').update(JSON.stringify(openApiV3Document(kinds, group, version))).digest('hex').slice(0, 64).toUpperCase();
    hashes.set(key, hash);
  }
  return hash;
}

export function openApiV3Index(kinds: KindCatalog): Doc {
  const paths: Doc = {};
  for (const [group, version] of allGroupVersions(kinds)) {
    const rel = group ? `apis/${group}/${version}` : `api/${version}`;
    paths[rel] = { serverRelativeURL: `/openapi/v3/${rel}?hash=${hashOf(kinds, group, version)}` };
  }
  return { paths };
}

/** Resolves `/openapi/v3/api/v1` or `/openapi/v3/apis/G/V` to its document. */
export function openApiV3ForPath(kinds: KindCatalog, path: string): Doc | undefined {
  const core = /^\/openapi\/v3\/api\/([^/]+)$/.exec(path);
  if (core) return openApiV3Document(kinds, '', core[1]!);
  const named = /^\/openapi\/v3\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (named) return openApiV3Document(kinds, named[1]!, named[2]!);
  return undefined;
}

/**
 * A Swagger 2.0 document with every path. Its definitions are open and carry
 * no GVK on purpose: kubectl's v2 patch path looks kinds up by GVK, and
 * finding a schema there would make it compute strategic merge patches from
 * it instead of using its compiled-in types.
 */
export function openApiV2Document(kinds: KindCatalog): Doc {
  const definitions: Doc = {};
  const paths: Doc = {};
  for (const t of kinds.all()) {
    for (const version of servedVersions(t)) {
      const name = schemaName(t, version);
      definitions[name] = openDefinition(t, version);
      definitions[`${name}List`] = { type: 'object', properties: { items: { type: 'array', items: { $ref: `#/definitions/${name}` } } } };
      const p = pathsFor(t, version, name, `${name}List`) as Record<string, Record<string, Record<string, unknown>>>;
      for (const [path, ops] of Object.entries(p)) {
        const converted: Doc = {};
        for (const [method, op] of Object.entries(ops)) {
          if (method === 'parameters') continue;
          const { requestBody: _body, responses: _responses, parameters, ...rest } = op as Doc;
          converted[method] = {
            ...rest,
            parameters: ((parameters as { name: string; in: string }[] | undefined) ?? []).map((q) => ({ name: q.name, in: q.in, type: 'string', uniqueItems: true })),
            responses: { '200': { description: 'OK', schema: { $ref: `#/definitions/${name}` } } },
          };
        }
        paths[path] = converted;
      }
    }
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, definitions };
}
