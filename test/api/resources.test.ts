// The kinds table: every token is a row of RESOURCE_TYPES exactly once, rows
// are unique by group/plural and group/kind, lookups find each row, and the
// tokens carry their object types (checked by the type checker: the
// `@ts-expect-error` lines fail `npm run typecheck` if a token loses its type).

import t from 'tap';
import * as api from '../../control/api/index.ts';
import type { Pod, ResourceType, Service } from '../../control/api/index.ts';
import { PODS, RESOURCE_TYPES, SERVICES, resourceTypeForKind, resourceTypeForName, apiVersionOf } from '../../control/api/index.ts';
import { newCluster } from '../controllers/cluster.ts';
import { MESH_INPUT_FIELDS, MESH_INPUT_KINDS, StaticConfigSource, inputFieldForKind, meshInputsFromObjects } from '../../mesh/index.ts';
import { WATCHED_KINDS } from '../../control/cluster/sources.ts';

function isResourceType(value: unknown): value is ResourceType {
  return typeof value === 'object' && value !== null && 'plural' in value && 'kind' in value && 'namespaced' in value;
}

t.test('every exported kind token is one row of RESOURCE_TYPES', async (t) => {
  const tokens = Object.entries(api).filter(([, v]) => isResourceType(v));
  t.ok(tokens.length >= 24, `found ${tokens.length} tokens`);
  for (const [name, token] of tokens) t.equal(RESOURCE_TYPES.filter((r) => r === token).length, 1, `${name} is registered once`);
  t.equal(RESOURCE_TYPES.length, tokens.length, 'no row without an exported token');
  const byPlural = new Set(RESOURCE_TYPES.map((r) => `${r.group}/${r.plural}`));
  const byKind = new Set(RESOURCE_TYPES.map((r) => `${r.group}/${r.kind}`));
  t.equal(byPlural.size, RESOURCE_TYPES.length, 'plural unique per group');
  t.equal(byKind.size, RESOURCE_TYPES.length, 'kind unique per group');
  for (const r of RESOURCE_TYPES) {
    t.equal(resourceTypeForKind(apiVersionOf(r), r.kind), r, `${r.kind} found by apiVersion+kind`);
    t.equal(resourceTypeForName(r.group ? `${r.plural}.${r.group}` : r.plural), r, `${r.plural} found by name`);
  }
});

t.test('the client takes the object type from the token', async (t) => {
  const cluster = await newCluster();
  t.teardown(() => cluster.close());
  const registry = cluster.client;
  await registry.create(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
  const svc = await registry.get(SERVICES, 'default', 'web');
  const port: number | undefined = svc?.spec?.ports?.[0]?.port;
  t.equal(port, 80);
  const list = await registry.list(PODS);
  const pods: readonly Pod[] = list.items;
  t.equal(pods.length, 0);
  // @ts-expect-error a Service token does not yield Pods
  const wrong: Pod | undefined = await registry.get(SERVICES, 'default', 'web');
  t.ok(wrong, 'runtime value is still the Service');
  const typed: Service | undefined = svc;
  t.equal(typed?.metadata.name, 'web');
});

t.test('one list of mesh kinds drives the inputs, the watched kinds and the static source', async (t) => {
  for (const field of MESH_INPUT_FIELDS) {
    const token = MESH_INPUT_KINDS[field];
    t.ok(WATCHED_KINDS.includes(token), `${token.plural} is watched for the mesh`);
    t.equal(inputFieldForKind(token.kind), field, `${token.kind} sorts into ${field}`);
  }
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'default', uid: 'u1', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' } };
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', uid: 'u2', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' } };
  const inputs = meshInputsFromObjects([svc, cm]);
  t.same(Object.keys(inputs).sort(), [...MESH_INPUT_FIELDS].sort(), 'every field present');
  t.equal(inputs.services.length, 1);
  t.equal(Object.values(inputs).flat().length, 1, 'kinds outside the mesh list are ignored');
  const source = new StaticConfigSource();
  source.apply(svc);
  t.equal(source.snapshot().services.length, 1);
  t.equal(source.snapshot().revision, 2);
  source.remove(svc);
  t.equal(source.snapshot().services.length, 0);
});
