// Custom resources over HTTPS: a CRD's kind appears in discovery (plain and
// aggregated, with a new ETag) once Established, is served at every served
// version from one storage, validated with 422 causes, printed with its
// printer columns, scaled through its scale subresource, and described in
// OpenAPI v3 (so are the built-ins, with the official field docs).

import t from 'tap';
import type { Test } from 'tap';
import { CUSTOM_RESOURCE_DEFINITIONS, KindCatalog } from '../../control/api/index.ts';
import { startApiServer } from '../../control/apiserver/index.ts';
import { startControllers } from '../../control/controllers/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { MemoryStore } from '../../control/store/index.ts';
import { widget, widgetCrd, WIDGET_CRD_NAME } from '../helpers/crd-fixtures.ts';
import { waitFor } from '../helpers/wait.ts';
import { clientFor } from './http-client.ts';

const TOKEN = 'crd-test-token';
const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

async function setup(t: Test) {
  const store = new MemoryStore();
  const kinds = new KindCatalog();
  const registry = createRegistry({ store, kinds });
  await registry.ensureNamespaces(['default']);
  const controllers = await startControllers({ client: registry, kinds });
  const server = await startApiServer({ client: registry, token: TOKEN, kinds });
  t.teardown(async () => {
    await server.close();
    await controllers.stop();
    await store.close();
  });
  return { registry, kinds, http: clientFor(server, TOKEN) };
}

type Json = Record<string, unknown>;

async function establish(http: ReturnType<typeof clientFor>): Promise<void> {
  const created = await http.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: widgetCrd() });
  if (created.status !== 201) throw new Error(`CRD create: ${created.status} ${created.text}`);
  await waitFor('the CRD Established', async () => {
    const crd = (await http.call('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${WIDGET_CRD_NAME}`)).json as { status?: { conditions?: { type: string; status: string }[] } };
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  }, { timeoutMs: 20_000 });
}

t.test('discovery lists the kind once Established, with a new ETag', async (t) => {
  const { http } = await setup(t);
  const before = await http.call('GET', '/apis', { accept: AGGREGATED });
  const etag = before.headers['etag'];
  t.ok(etag, 'aggregated discovery has an ETag');
  t.equal((await http.call('GET', '/apis', { accept: AGGREGATED, headers: { 'if-none-match': String(etag) } })).status, 304, 'unchanged → 304');
  t.notMatch(before.text, /example\.com/);

  await establish(http);
  const after = await http.call('GET', '/apis', { accept: AGGREGATED });
  t.not(after.headers['etag'], etag, 'the ETag changed');
  t.equal((await http.call('GET', '/apis', { accept: AGGREGATED, headers: { 'if-none-match': String(etag) } })).status, 200, 'a stale ETag gets the new document');
  const group = (after.json['items'] as { metadata: { name?: string }; versions: { version: string; resources: Json[] }[] }[]).find((g) => g.metadata.name === 'example.com');
  t.same(group?.versions.map((v) => v.version), ['v1', 'v1beta1']);
  t.match(group?.versions[0]?.resources[0], {
    resource: 'widgets', singularResource: 'widget', scope: 'Namespaced', shortNames: ['wd'], categories: ['all', 'toys'],
    responseKind: { group: 'example.com', version: 'v1', kind: 'Widget' },
    subresources: [{ subresource: 'status' }, { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } }],
  });
  const plain = (await http.call('GET', '/apis')).json as { groups: { name: string; preferredVersion: { version: string } }[] };
  t.equal(plain.groups.find((g) => g.name === 'example.com')?.preferredVersion.version, 'v1');
  t.equal((await http.call('GET', '/apis/example.com')).status, 200);
  const resources = (await http.call('GET', '/apis/example.com/v1beta1')).json as { resources: { name: string }[] };
  t.same(resources.resources.map((r) => r.name), ['widgets', 'widgets/status', 'widgets/scale']);
  t.match((await http.call('GET', '/apis/apiextensions.k8s.io/v1')).json, { resources: [{ name: 'customresourcedefinitions', shortNames: ['crd', 'crds'] }] });
});

t.test('custom resources: every served version, 422 causes, Table columns, scale, watch', async (t) => {
  const { http } = await setup(t);
  t.equal((await http.call('GET', '/apis/example.com/v1/namespaces/default/widgets')).status, 404, 'not served before the CRD');
  await establish(http);
  const base = '/apis/example.com/v1/namespaces/default/widgets';
  const bad = await http.call('POST', base, { body: widget('bad', { size: 'medium', replicas: 'x' }) });
  t.equal(bad.status, 422);
  t.match(bad.json, { kind: 'Status', reason: 'Invalid', details: { name: 'bad', group: 'example.com', kind: 'Widget', causes: [{ field: 'spec.size', reason: 'FieldValueNotSupported' }, { field: 'spec.replicas', reason: 'FieldValueTypeInvalid' }] } });

  const strict = await http.call('POST', `${base}?fieldValidation=Strict`, { body: widget('typo', { size: 'small', colour: 'red' }) });
  t.equal(strict.status, 400, 'Strict: an unknown field of a custom resource is refused');
  t.match(strict.json['message'], 'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.colour"');
  const warned = await http.call('POST', base, { body: widget('typo', { size: 'small', colour: 'red' }) });
  t.equal(warned.status, 201);
  t.match(String(warned.headers['warning']), 'unknown field \\"spec.colour\\"', 'Warn (the default) warns');
  t.notOk((warned.json['spec'] as Json)['colour'], 'and prunes');
  await http.call('DELETE', `${base}/typo`);

  const created = await http.call('POST', '/apis/example.com/v1beta1/namespaces/default/widgets', { body: { ...widget('w1', { size: 'small' }), apiVersion: 'example.com/v1beta1', metadata: { name: 'w1', labels: { app: 'w' } } } });
  t.equal(created.status, 201, created.text);
  t.equal(created.json['apiVersion'], 'example.com/v1beta1', 'answered in the version asked');
  const got = (await http.call('GET', `${base}/w1`)).json as Json & { spec: Json };
  t.equal(got['apiVersion'], 'example.com/v1', 'one storage, seen through v1');
  t.same(got.spec, { size: 'small', replicas: 1, color: 'blue' }, 'defaulted');

  await http.call('PUT', `${base}/w1/status`, { body: { ...got, status: { replicas: 1, selector: 'app=w', conditions: [{ type: 'Ready', status: 'True' }] } } });
  const table = (await http.call('GET', base, { accept: TABLE })).json as { columnDefinitions: { name: string; type: string; priority: number }[]; rows: { cells: unknown[] }[] };
  t.same(table.columnDefinitions.map((c) => [c.name, c.type, c.priority]), [['Name', 'string', 0], ['Size', 'string', 0], ['Replicas', 'integer', 0], ['Color', 'string', 1], ['Ready', 'string', 0], ['Age', 'date', 0]]);
  t.equal(table.rows[0]?.cells[0], 'w1');
  t.same(table.rows[0]?.cells.slice(1, 5), ['small', 1, 'blue', 'True']);
  t.match(String(table.rows[0]?.cells[5]), /^\d+[smhd]/, 'date columns print as an age');
  t.equal(((await http.call('GET', `${base}?labelSelector=app%3Dw`)).json['items'] as unknown[]).length, 1, 'label selectors');
  t.equal(((await http.call('GET', `${base}?labelSelector=app%3Dother`)).json['items'] as unknown[]).length, 0);

  const scale = (await http.call('GET', `${base}/w1/scale`)).json;
  t.match(scale, { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 }, status: { replicas: 1, selector: 'app=w' } });
  const watch = await http.watch(`${base}?watch=true&resourceVersion=${String((got['metadata'] as Json)['resourceVersion'])}`);
  const scaled = await http.call('PUT', `${base}/w1/scale`, { body: { ...scale, spec: { replicas: 4 } } });
  t.equal(scaled.status, 200, scaled.text);
  t.match(scaled.json, { spec: { replicas: 4 } });
  t.equal(((await http.call('GET', `${base}/w1`)).json['spec'] as Json)['replicas'], 4, 'scale writes specReplicasPath');
  const event = await watch.next((e) => e['type'] === 'MODIFIED' && ((e['object'] as { spec?: Json }).spec?.['replicas'] === 4));
  t.ok(event, 'a watch sees the scale');
  watch.close();
  t.equal((await http.call('PUT', `${base}/w1/scale`, { body: { ...scale, spec: { replicas: 5 } } })).status, 409, 'a stale Scale resourceVersion conflicts');
  const fresh = (await http.call('GET', `${base}/w1/scale`)).json;
  t.equal((await http.call('PUT', `${base}/w1/scale`, { body: { ...fresh, spec: { replicas: 11 } } })).status, 422, 'the schema limits scale too');
  const merged = await http.call('PATCH', `${base}/w1`, { body: { spec: { color: 'red' } }, contentType: 'application/merge-patch+json' });
  t.equal((merged.json['spec'] as Json)['color'], 'red');
  t.equal((await http.call('PATCH', `${base}/w1`, { body: { spec: { color: 'red' } }, contentType: 'application/strategic-merge-patch+json' })).status, 415, 'no strategic merge for custom resources');
});

t.test('OpenAPI v3 carries the CRD schema and the official docs of built-ins', async (t) => {
  const { http, registry } = await setup(t);
  const index = (await http.call('GET', '/openapi/v3')).json as { paths: Record<string, { serverRelativeURL: string }> };
  t.notOk(index.paths['apis/example.com/v1']);
  const core = (await http.call('GET', index.paths['api/v1']!.serverRelativeURL)).json as { components: { schemas: Record<string, { properties?: Record<string, { description?: string; items?: unknown }>; 'x-kubernetes-group-version-kind'?: unknown }> } };
  const podSpec = core.components.schemas['io.k8s.api.core.v1.PodSpec'];
  t.match(podSpec?.properties?.['containers']?.description, /^List of containers belonging to the pod\./);
  t.same(podSpec?.properties?.['containers']?.items, { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }] });
  t.same(core.components.schemas['io.k8s.api.core.v1.Pod']?.['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
  const apps = (await http.call('GET', index.paths['apis/apps/v1']!.serverRelativeURL)).json as { components: { schemas: Record<string, { properties?: Record<string, { description?: string }> }> } };
  t.match(apps.components.schemas['io.k8s.api.apps.v1.DeploymentStrategy']?.properties?.['type']?.description, /Type of deployment/);

  await establish(http);
  const after = (await http.call('GET', '/openapi/v3')).json as { paths: Record<string, { serverRelativeURL: string }> };
  const url = after.paths['apis/example.com/v1']?.serverRelativeURL;
  t.match(url, /^\/openapi\/v3\/apis\/example\.com\/v1\?hash=[0-9A-F]+$/);
  const doc = (await http.call('GET', url!)).json as { paths: Record<string, unknown>; components: { schemas: Record<string, { properties: Record<string, { description?: string; properties?: Record<string, { description?: string }> }> }> } };
  const widgetSchema = doc.components.schemas['com.example.v1.Widget'];
  t.match(widgetSchema?.properties['spec']?.properties?.['size']?.description, 'How big the widget is.');
  t.ok(widgetSchema?.properties['metadata'], 'metadata is described');
  t.ok(doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/scale'], 'the scale path is listed');

  const crd = (await registry.get(CUSTOM_RESOURCE_DEFINITIONS, undefined, WIDGET_CRD_NAME))!;
  const changed = structuredClone(crd);
  changed.spec!.versions[0]!.schema!.openAPIV3Schema!.properties!['spec']!.properties!['size']!.description = 'The size, changed.';
  await registry.update(CUSTOM_RESOURCE_DEFINITIONS, changed);
  const moved = await waitFor('a new hash for example.com/v1', async () => {
    const next = ((await http.call('GET', '/openapi/v3')).json as { paths: Record<string, { serverRelativeURL: string }> }).paths['apis/example.com/v1']?.serverRelativeURL;
    return next !== url ? next : undefined;
  }, { timeoutMs: 20_000 });
  const redone = (await http.call('GET', moved)).json as typeof doc;
  t.equal(redone.components.schemas['com.example.v1.Widget']?.properties['spec']?.properties?.['size']?.description, 'The size, changed.');
});
