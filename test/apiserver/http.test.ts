// The REST layer end to end over HTTPS against the real registry and a
// MemoryStore: auth, discovery, CRUD verbs, Status errors with the right
// codes, selectors and paging, Table output, watch (resume, bookmarks, 410),
// patches, subresources, dry run, and that bad bodies never stop the server.

import t from 'tap';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { startApiServer, kubeconfigFor, mergeKubeconfig } from '../../control/apiserver/index.ts';
import type { PodLogSource } from '../../control/apiserver/index.ts';
import { parseYamlDocument } from '../../control/registry/patch/index.ts';
import { clientFor } from './http-client.ts';

const TOKEN = 'test-token-1234';

async function setup(t: Tap.Test, storeOptions: { historyLimit?: number } = {}) {
  const store = new MemoryStore(storeOptions);
  const registry = createRegistry({ store, bookmarkIntervalMs: 50 });
  await registry.ensureNamespaces();
  const logRequests: unknown[] = [];
  const podLogs: PodLogSource = {
    async *stream(namespace, pod, options) {
      logRequests.push({ namespace, pod, ...options, signal: undefined });
      const lines = ['one\n', 'two\n', 'three\n'];
      for (const line of options.tailLines ? lines.slice(-options.tailLines) : lines) yield line;
    },
  };
  const server = await startApiServer({ client: registry, token: TOKEN, podLogs });
  t.teardown(() => server.close());
  return { store, registry, server, http: clientFor(server, TOKEN), logRequests };
}

import type * as Tap from 'tap';

const pod = (name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], ...extra },
});

const deployment = (name: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } } },
});

t.test('listens on loopback only and requires the bearer token', async (t) => {
  const { server, http } = await setup(t);
  t.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  await t.rejects(startApiServer({ client: {} as never, token: 'x', host: '0.0.0.0' }), /only loopback/);
  for (const token of [null, 'wrong-token', '']) {
    const r = await http.call('GET', '/api/v1/namespaces', { token });
    t.equal(r.status, 401, `token ${String(token)}`);
    t.match(r.json, { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
  }
  t.equal((await http.call('GET', '/version')).status, 200);
});

t.test('discovery and openapi', async (t) => {
  const { http } = await setup(t);
  t.match((await http.call('GET', '/version')).json, { major: '1', minor: '32' });
  t.match((await http.call('GET', '/api')).json, { kind: 'APIVersions', versions: ['v1'] });
  const groups = (await http.call('GET', '/apis')).json as { groups: { name: string; versions: { version: string }[]; preferredVersion: { version: string } }[] };
  const istio = groups.groups.find((g) => g.name === 'networking.istio.io');
  t.same(istio?.versions.map((v) => v.version), ['v1', 'v1beta1', 'v1alpha3']);
  t.equal(istio?.preferredVersion.version, 'v1');
  const core = (await http.call('GET', '/api/v1')).json as { resources: { name: string; shortNames?: string[] }[] };
  t.ok(core.resources.find((r) => r.name === 'pods' && r.shortNames?.includes('po')));
  t.ok(core.resources.find((r) => r.name === 'pods/log'));
  const apps = (await http.call('GET', '/apis/apps/v1')).json as { resources: { name: string; kind: string; group?: string }[] };
  t.match(apps.resources.find((r) => r.name === 'deployments/scale'), { kind: 'Scale', group: 'autoscaling' });
  t.equal((await http.call('GET', '/apis/networking.istio.io/v1beta1')).status, 200, 'alias version listed');
  t.equal((await http.call('GET', '/apis/nope.example/v1')).status, 404);

  const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
  const aggregated = await http.call('GET', '/apis', { accept });
  t.equal(aggregated.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  const items = aggregated.json['items'] as { metadata: { name: string }; versions: { version: string; resources: { resource: string; scope: string }[] }[] }[];
  t.match(items.find((i) => i.metadata.name === 'apps')?.versions[0]?.resources.find((r) => r.resource === 'deployments'), { scope: 'Namespaced' });

  const index = (await http.call('GET', '/openapi/v3')).json as { paths: Record<string, { serverRelativeURL: string }> };
  const appsUrl = index.paths['apis/apps/v1']?.serverRelativeURL;
  t.match(appsUrl, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
  const doc = (await http.call('GET', appsUrl!)).json as { paths: Record<string, { patch?: { parameters: { name: string }[]; 'x-kubernetes-group-version-kind': { kind: string } } }> };
  const patchOp = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']?.patch;
  t.equal(patchOp?.['x-kubernetes-group-version-kind'].kind, 'Deployment');
  t.ok(patchOp?.parameters.some((p) => p.name === 'fieldValidation'), 'kubectl sees server-side field validation');
  t.equal((await http.call('GET', '/openapi/v2')).json['swagger'], '2.0');
});

t.test('CRUD with Status errors', async (t) => {
  const { http } = await setup(t);
  const created = await http.call('POST', '/api/v1/namespaces/default/pods', { body: pod('web', { app: 'web' }) });
  t.equal(created.status, 201);
  t.match(created.json, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web', namespace: 'default', uid: /.+/ }, spec: { restartPolicy: 'Always' } });

  const got = await http.call('GET', '/api/v1/namespaces/default/pods/web');
  t.equal(got.status, 200);
  t.same(got.json, created.json);

  const missing = await http.call('GET', '/api/v1/namespaces/default/pods/nope');
  t.equal(missing.status, 404);
  t.match(missing.json, { kind: 'Status', reason: 'NotFound', code: 404, details: { name: 'nope', kind: 'pods' } });

  const dup = await http.call('POST', '/api/v1/namespaces/default/pods', { body: pod('web') });
  t.equal(dup.status, 409);
  t.equal(dup.json['reason'], 'AlreadyExists');

  const meta = created.json['metadata'] as { resourceVersion: string };
  const updated = await http.call('PUT', '/api/v1/namespaces/default/pods/web', { body: { ...created.json, metadata: { ...meta, labels: { app: 'web', v: '2' } } } });
  t.equal(updated.status, 200);
  const stale = await http.call('PUT', '/api/v1/namespaces/default/pods/web', { body: { ...created.json, metadata: { ...meta, labels: { v: '3' } } } });
  t.equal(stale.status, 409);
  t.equal(stale.json['reason'], 'Conflict');

  const wrongName = await http.call('PUT', '/api/v1/namespaces/default/pods/other', { body: updated.json });
  t.equal(wrongName.status, 400);

  const invalid = await http.call('POST', '/api/v1/namespaces/default/services', { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad' }, spec: { ports: [{ port: 'http' }] } } });
  t.equal(invalid.status, 422);
  t.match(invalid.json, { reason: 'Invalid', code: 422, details: { causes: [{ field: 'spec.ports[0].port', reason: 'FieldValueTypeInvalid' }] } });

  const wrongNs = await http.call('POST', '/api/v1/namespaces/default/pods', { body: { ...pod('x'), metadata: { name: 'x', namespace: 'kube-system' } } });
  t.equal(wrongNs.status, 400);
  t.equal((await http.call('POST', '/api/v1/namespaces/nowhere/pods', { body: pod('x') })).status, 404, 'namespace must exist');
  t.equal((await http.call('PUT', '/api/v1/namespaces/default/pods', { body: pod('x') })).status, 405);
  t.equal((await http.call('GET', '/api/v1/namespaces/default/frobs')).status, 404);

  const deleted = await http.call('DELETE', '/api/v1/namespaces/default/pods/web', { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
  t.equal(deleted.status, 200);
  t.equal((await http.call('GET', '/api/v1/namespaces/default/pods/web')).status, 404);
  t.equal((await http.call('DELETE', '/api/v1/namespaces/default/pods/web')).status, 404);
  t.equal((await http.call('DELETE', '/api/v1/namespaces/default/pods/x?propagationPolicy=Sideways')).status, 400);
});

t.test('malformed bodies are 400/415 naming the problem, and the server keeps serving', async (t) => {
  const { http } = await setup(t);
  const cases: [string, string, string, number, RegExp][] = [
    ['POST', '{"apiVersion": "v1", "kind": ', 'application/json', 400, /not valid JSON/],
    ['POST', 'kind: ConfigMap\nmetadata: {name: [x', 'application/yaml', 400, /invalid YAML at line/],
    ['POST', '', 'application/json', 400, /body is empty/],
    ['POST', '[1,2]', 'application/json', 400, /must be a JSON object/],
    ['POST', 'data', 'application/x-protobuf', 415, /unknown format/],
  ];
  for (const [method, body, contentType, status, message] of cases) {
    const r = await http.call(method, '/api/v1/namespaces/default/configmaps', { body, contentType });
    t.equal(r.status, status, `${contentType}: ${body}`);
    t.match(String(r.json['message']), message);
    t.equal(r.json['kind'], 'Status');
  }
  const yaml = await http.call('POST', '/api/v1/namespaces/default/configmaps', { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: "1"\n', contentType: 'application/yaml' });
  t.equal(yaml.status, 201, 'YAML bodies are accepted');
  const patch415 = await http.call('PATCH', '/api/v1/namespaces/default/configmaps/from-yaml', { body: '{}', contentType: 'application/json' });
  t.equal(patch415.status, 415);
  const badPatch = await http.call('PATCH', '/api/v1/namespaces/default/configmaps/from-yaml', { body: '[{"op":"replace","path":"/nope/x","value":1}]', contentType: 'application/json-patch+json' });
  t.equal(badPatch.status, 422, 'an operation that cannot be applied is a 422, as in kube-apiserver');
  t.match(String(badPatch.json['message']), /path segment "nope" does not exist/);
  t.equal((await http.call('GET', '/api/v1/namespaces/default/configmaps/from-yaml')).status, 200, 'still serving');
});

t.test('list: label and field selectors, limit and continue', async (t) => {
  const { http } = await setup(t);
  for (let i = 0; i < 5; i++) {
    const r = await http.call('POST', '/api/v1/namespaces/default/pods', { body: pod(`p${i}`, { app: i % 2 ? 'odd' : 'even' }, i === 3 ? { nodeName: 'node-1' } : {}) });
    t.equal(r.status, 201);
  }
  const names = (r: { json: Record<string, unknown> }) => (r.json['items'] as { metadata: { name: string } }[]).map((p) => p.metadata.name);
  const even = await http.call('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Deven');
  t.match(even.json, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: /\d+/ } });
  t.same(names(even), ['p0', 'p2', 'p4']);
  t.same(names(await http.call('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1')), ['p3']);
  t.same(names(await http.call('GET', '/api/v1/namespaces/default/pods?fieldSelector=metadata.name!%3Dp0,status.phase%3DPending&labelSelector=app%20in%20(even)')), ['p2', 'p4']);
  t.equal((await http.call('GET', '/api/v1/pods?labelSelector=app%20in%20(')).status, 400);

  const page1 = await http.call('GET', '/api/v1/namespaces/default/pods?limit=2');
  t.same(names(page1), ['p0', 'p1']);
  const cont = (page1.json['metadata'] as { continue?: string }).continue;
  t.ok(cont, 'continue token');
  const page2 = await http.call('GET', `/api/v1/namespaces/default/pods?limit=2&continue=${encodeURIComponent(cont!)}`);
  t.same(names(page2), ['p2', 'p3']);
  t.equal((await http.call('GET', '/api/v1/namespaces/default/pods?limit=x')).status, 400);

  const removed = await http.call('DELETE', '/api/v1/namespaces/default/pods?labelSelector=app%3Dodd');
  t.equal(removed.status, 200);
  const left = (await http.call('GET', '/api/v1/namespaces/default/pods')).json['items'] as { metadata: { name: string; deletionTimestamp?: string } }[];
  t.same(left.map((p) => p.metadata.name), ['p0', 'p2', 'p3', 'p4'], 'deletecollection honours the selector');
  t.ok(left.find((p) => p.metadata.name === 'p3')?.metadata.deletionTimestamp, 'a pod bound to a node is marked for graceful deletion');
});

t.test('Table output with kubectl columns', async (t) => {
  const { http, registry } = await setup(t);
  await http.call('POST', '/api/v1/namespaces/default/pods', { body: pod('web', {}, { nodeName: 'node-1' }) });
  const live = await registry.get('pods' as never, 'default', 'web');
  void live;
  await http.call('PUT', '/api/v1/namespaces/default/pods/web/status', {
    body: {
      ...(await http.call('GET', '/api/v1/namespaces/default/pods/web')).json,
      status: {
        phase: 'Running',
        podIP: '127.244.1.5',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'app', image: 'nginx:1.25', ready: true, restartCount: 2, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }],
      },
    },
  });
  const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  const table = await http.call('GET', '/api/v1/namespaces/default/pods?limit=500', { accept });
  t.equal(table.json['kind'], 'Table');
  const columns = (table.json['columnDefinitions'] as { name: string; priority: number }[]).map((c) => `${c.name}${c.priority ? '*' : ''}`);
  t.same(columns, ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP*', 'Node*', 'Nominated Node*', 'Readiness Gates*']);
  const row = (table.json['rows'] as { cells: unknown[]; object: { kind: string } }[])[0]!;
  t.same(row.cells.slice(0, 4), ['web', '1/1', 'Running', '2']);
  t.same(row.cells.slice(5), ['127.244.1.5', 'node-1', '<none>', '<none>']);
  t.equal(row.object.kind, 'PartialObjectMetadata');

  await http.call('POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment('api', 3) });
  const deploys = await http.call('GET', '/apis/apps/v1/namespaces/default/deployments', { accept });
  t.same((deploys.json['columnDefinitions'] as { name: string }[]).map((c) => c.name).slice(0, 5), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
  t.same((deploys.json['rows'] as { cells: unknown[] }[])[0]!.cells.slice(0, 4), ['api', '0/3', 0, 0]);
  const cms = await http.call('GET', '/api/v1/namespaces/default/configmaps', { accept });
  t.same((cms.json['columnDefinitions'] as { name: string }[]).map((c) => c.name), ['Name', 'Data', 'Age']);
  const one = await http.call('GET', '/api/v1/namespaces/default/pods/web?includeObject=Object', { accept });
  t.equal((one.json['rows'] as { object: { kind: string } }[])[0]!.object.kind, 'Pod');
});

t.test('watch: events, resume from resourceVersion, bookmarks, 410 when too old', async (t) => {
  const { http } = await setup(t, { historyLimit: 5 });
  const first = await http.call('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { v: '1' } } });
  const rv = (first.json['metadata'] as { resourceVersion: string }).resourceVersion;

  const w = await http.watch('/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true');
  t.equal(w.status, 200);
  t.match(await w.next(), { type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a' } } });
  await http.call('PATCH', '/api/v1/namespaces/default/configmaps/a', { body: { data: { v: '2' } }, contentType: 'application/merge-patch+json' });
  t.match(await w.next((e) => e['type'] !== 'BOOKMARK'), { type: 'MODIFIED', object: { data: { v: '2' } } });
  t.match(await w.next((e) => e['type'] === 'BOOKMARK'), { type: 'BOOKMARK', object: { kind: 'ConfigMap', metadata: { resourceVersion: /\d+/ } } });
  await http.call('DELETE', '/api/v1/namespaces/default/configmaps/a');
  t.match(await w.next((e) => e['type'] !== 'BOOKMARK'), { type: 'DELETED', object: { metadata: { name: 'a' } } });
  w.close();

  const resumed = await http.watch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`);
  t.match(await resumed.next(), { type: 'MODIFIED', object: { data: { v: '2' } } }, 'resume replays what happened after rv');
  t.match(await resumed.next(), { type: 'DELETED' });
  resumed.close();

  for (let i = 0; i < 12; i++) await http.call('POST', '/api/v1/namespaces/default/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } } });
  const old = await http.watch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`);
  t.match(await old.next(), { type: 'ERROR', object: { kind: 'Status', code: 410, reason: /Expired|Gone/ } });
  old.close();

  const single = await http.watch('/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dc3&timeoutSeconds=1');
  t.match(await single.next(), { type: 'ADDED', object: { metadata: { name: 'c3' } } });
  await single.next(() => false, 5000).catch(() => undefined);
  t.ok(single.ended, 'timeoutSeconds ends the watch');
});

t.test('patch types over HTTP, server-side apply conflicts, alias versions', async (t) => {
  const { http } = await setup(t);
  await http.call('POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment('web') });
  const path = '/apis/apps/v1/namespaces/default/deployments/web';
  const strategic = await http.call('PATCH', path, { body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } }, contentType: 'application/strategic-merge-patch+json' });
  t.equal(strategic.status, 200);
  t.match(strategic.json, { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2', imagePullPolicy: 'IfNotPresent' }] } } }, metadata: { generation: 2 } });
  const json = await http.call('PATCH', path, { body: [{ op: 'replace', path: '/spec/replicas', value: 4 }], contentType: 'application/json-patch+json' });
  t.equal((json.json['spec'] as { replicas: number }).replicas, 4);

  const apply = (replicas: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${replicas}\n`;
  const first = await http.call('PATCH', `${path}?fieldManager=alice`, { body: apply(2), contentType: 'application/apply-patch+yaml' });
  t.equal(first.status, 200, String(first.json['message']));
  const conflict = await http.call('PATCH', `${path}?fieldManager=bob`, { body: apply(5), contentType: 'application/apply-patch+yaml' });
  t.equal(conflict.status, 409);
  t.match(conflict.json, { reason: 'Conflict', message: /conflict with "alice"/ });
  const forced = await http.call('PATCH', `${path}?fieldManager=bob&force=true`, { body: apply(5), contentType: 'application/apply-patch+yaml' });
  t.equal((forced.json['spec'] as { replicas: number }).replicas, 5);

  const createdByApply = await http.call('PATCH', '/api/v1/namespaces/default/configmaps/new?fieldManager=kubectl', { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\ndata:\n  a: "1"\n', contentType: 'application/apply-patch+yaml' });
  t.equal(createdByApply.status, 200, 'apply creates a missing object');

  const vs = { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'reviews' }, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] } };
  t.equal((await http.call('POST', '/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices', { body: vs })).status, 201);
  t.equal((await http.call('GET', '/apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews')).json['apiVersion'], 'networking.istio.io/v1');
  t.equal((await http.call('GET', '/apis/networking.istio.io/v1alpha3/namespaces/default/virtualservices/reviews')).json['apiVersion'], 'networking.istio.io/v1alpha3');
  const smp = await http.call('PATCH', '/apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews', { body: {}, contentType: 'application/strategic-merge-patch+json' });
  t.equal(smp.status, 415, 'no strategic merge for custom kinds');
});

t.test('subresources: status, scale, log, binding; dry run writes nothing', async (t) => {
  const { http, logRequests } = await setup(t);
  await http.call('POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment('web', 2) });
  const scale = await http.call('GET', '/apis/apps/v1/namespaces/default/deployments/web/scale');
  t.match(scale.json, { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { selector: 'app=web' } });
  const patched = await http.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { body: { spec: { replicas: 5 } }, contentType: 'application/merge-patch+json' });
  t.match(patched.json, { kind: 'Scale', spec: { replicas: 5 } });
  const stalePut = await http.call('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', { body: { ...scale.json, spec: { replicas: 1 } } });
  t.equal(stalePut.status, 409, 'a Scale read before the patch is stale');
  const stalePatch = await http.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { body: { metadata: { resourceVersion: (scale.json['metadata'] as { resourceVersion: string }).resourceVersion }, spec: { replicas: 1 } }, contentType: 'application/merge-patch+json' });
  t.equal(stalePatch.status, 409, 'so is a Scale patch carrying its version');
  const put = await http.call('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', { body: { ...patched.json, spec: { replicas: 1 } } });
  t.match(put.json, { spec: { replicas: 1 } });
  const negative = await http.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { body: { spec: { replicas: -1 } }, contentType: 'application/merge-patch+json' });
  t.equal(negative.status, 422);
  t.equal((await http.call('GET', '/api/v1/namespaces/default/configmaps/x/scale')).status, 404);

  const live = (await http.call('GET', '/apis/apps/v1/namespaces/default/deployments/web')).json;
  const status = await http.call('PUT', '/apis/apps/v1/namespaces/default/deployments/web/status', { body: { ...live, spec: { replicas: 9 }, status: { readyReplicas: 1 } } });
  t.match(status.json, { spec: { replicas: 1 }, status: { readyReplicas: 1 } }, 'status writes ignore spec');

  await http.call('POST', '/api/v1/namespaces/default/pods', { body: pod('web') });
  const logs = await http.call('GET', '/api/v1/namespaces/default/pods/web/log?tailLines=2&follow=true');
  t.equal(logs.status, 200);
  t.equal(logs.text, 'two\nthree\n');
  t.match(logRequests[0], { namespace: 'default', pod: 'web', container: 'app', follow: true, tailLines: 2 });
  t.equal((await http.call('GET', '/api/v1/namespaces/default/pods/web/log?container=nope')).status, 400);
  t.equal((await http.call('GET', '/api/v1/namespaces/default/pods/nope/log')).status, 404);

  const bind = await http.call('POST', '/api/v1/namespaces/default/pods/web/binding', { body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { kind: 'Node', name: 'node-1' } } });
  t.equal(bind.status, 201);
  t.equal(((await http.call('GET', '/api/v1/namespaces/default/pods/web')).json['spec'] as { nodeName: string }).nodeName, 'node-1');

  const dry = await http.call('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } } });
  t.equal(dry.status, 201);
  t.equal((await http.call('GET', '/api/v1/namespaces/default/configmaps/dry')).status, 404, 'dry-run create is not stored');
  const dryDelete = await http.call('DELETE', '/api/v1/namespaces/default/pods/web?dryRun=All');
  t.equal(dryDelete.status, 200);
  t.equal((await http.call('GET', '/api/v1/namespaces/default/pods/web')).status, 200, 'dry-run delete keeps the object');
  const dryInvalid = await http.call('POST', '/api/v1/namespaces/default/services?dryRun=All', { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} } });
  t.equal(dryInvalid.status, 422, 'dry run still validates');
});

t.test('kubeconfigFor names cluster, user and context meshlet', async (t) => {
  const { server } = await setup(t);
  const cfg = parseYamlDocument(kubeconfigFor({ server: server.url, token: TOKEN, namespace: 'bookinfo', caData: server.caData }), 'test') as Record<string, unknown>;
  t.match(cfg, {
    kind: 'Config',
    'current-context': 'meshlet',
    clusters: [{ name: 'meshlet', cluster: { server: server.url, 'certificate-authority-data': Buffer.from(server.caData).toString('base64') } }],
    users: [{ name: 'meshlet', user: { token: TOKEN } }],
    contexts: [{ name: 'meshlet', context: { cluster: 'meshlet', user: 'meshlet', namespace: 'bookinfo' } }],
  });
  const insecure = parseYamlDocument(kubeconfigFor({ server: server.url, token: TOKEN }), 'test') as { clusters: { cluster: Record<string, unknown> }[] };
  t.equal(insecure.clusters[0]!.cluster['insecure-skip-tls-verify'], true);

  const existing = 'apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: {server: "https://prod.example"}\n- name: meshlet\n  cluster: {server: "https://old.invalid"}\nusers:\n- name: prod\n  user: {token: p}\ncontexts:\n- name: prod\n  context: {cluster: prod, user: prod}\ncurrent-context: prod\n';
  const merged = parseYamlDocument(mergeKubeconfig(existing, { server: server.url, token: TOKEN, caData: server.caData }), 'test') as {
    clusters: { name: string; cluster: { server: string } }[];
    users: { name: string }[];
    contexts: { name: string }[];
    'current-context': string;
  };
  t.same(merged.clusters.map((c) => `${c.name}=${c.cluster.server}`), ['prod=https://prod.example', `meshlet=${server.url}`], 'meshlet entry replaced, others kept');
  t.same(merged.users.map((u) => u.name), ['prod', 'meshlet']);
  t.same(merged.contexts.map((c) => c.name), ['prod', 'meshlet']);
  t.equal(merged['current-context'], 'meshlet');
  t.same(parseYamlDocument(mergeKubeconfig(undefined, { server: server.url, token: TOKEN }), 'test'), parseYamlDocument(kubeconfigFor({ server: server.url, token: TOKEN }), 'test'));
});

t.test('auth reviews answer for the single admin user; streaming subresources are refused clearly', async (t) => {
  const { http } = await setup(t);
  const can = await http.call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'list', resource: 'pods' } } } });
  t.equal(can.status, 201);
  t.match(can.json, { kind: 'SelfSubjectAccessReview', status: { allowed: true } });
  const who = await http.call('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  t.match(who.json, { status: { userInfo: { username: 'meshlet-admin' } } });
  await http.call('POST', '/api/v1/namespaces/default/pods', { body: pod('web') });
  const exec = await http.call('POST', '/api/v1/namespaces/default/pods/web/exec?command=ls');
  t.equal(exec.status, 405);
  t.match(String(exec.json['message']), /pods\/exec is not supported by meshlet/);
});

t.test('fieldValidation: Strict rejects unknown fields, Warn answers with Warning headers and drops them', async (t) => {
  const { http } = await setup(t);
  const typo = { ...deployment('web'), spec: { ...deployment('web').spec, replica: 3 } };
  const strict = await http.call('POST', '/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict', { body: typo });
  t.equal(strict.status, 400);
  t.match(String(strict.json['message']), /Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec\.replica"/);
  t.equal((await http.call('POST', '/apis/apps/v1/namespaces/default/deployments?fieldValidation=Loose', { body: typo })).status, 400);

  const warned = await http.call('POST', '/apis/apps/v1/namespaces/default/deployments', { body: typo });
  t.equal(warned.status, 201);
  t.match(String(warned.headers['warning']), /299 - "unknown field \\"spec\.replica\\""/);
  t.notOk((warned.json['spec'] as Record<string, unknown>)['replica'], 'unknown field dropped');

  const patchStrict = await http.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web?fieldValidation=Strict', { body: { spec: { replica: null, paused: true } }, contentType: 'application/merge-patch+json' });
  t.equal(patchStrict.status, 200, 'deleting an unknown field in a patch is fine');
  const patchTypo = await http.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web?fieldValidation=Strict', { body: { spec: { pausd: true } }, contentType: 'application/strategic-merge-patch+json' });
  t.equal(patchTypo.status, 400);
  t.match(String(patchTypo.json['message']), /unknown field "spec\.pausd"/);
});

t.test('managedFields: writes with a fieldManager record ownership that server-side apply respects', async (t) => {
  const { http } = await setup(t);
  const created = await http.call('POST', '/apis/apps/v1/namespaces/default/deployments?fieldManager=alice', { body: deployment('web', 1) });
  type Entry = { manager: string; operation: string; fieldsV1: Record<string, Record<string, unknown>> };
  const owners = (obj: Record<string, unknown>) => ((obj['metadata'] as { managedFields?: Entry[] }).managedFields ?? []);
  t.match(owners(created.json), [{ manager: 'alice', operation: 'Update' }]);
  t.ok(owners(created.json)[0]!.fieldsV1['f:spec']!['f:replicas'], 'alice owns spec.replicas after create');

  const patched = await http.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web?fieldManager=bob', { body: { spec: { replicas: 3 } }, contentType: 'application/merge-patch+json' });
  t.equal(patched.status, 200);
  const alice = owners(patched.json).find((e) => e.manager === 'alice');
  const bob = owners(patched.json).find((e) => e.manager === 'bob');
  t.ok(bob?.fieldsV1['f:spec']?.['f:replicas'], 'bob owns spec.replicas after patching it');
  t.notOk(alice?.fieldsV1['f:spec']?.['f:replicas'], 'alice lost spec.replicas');
  t.ok(alice?.fieldsV1['f:spec']?.['f:selector'], 'alice keeps what bob did not touch');

  const apply = await http.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web?fieldManager=carol', { body: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n', contentType: 'application/apply-patch+yaml' });
  t.equal(apply.status, 409);
  t.match(String(apply.json['message']), /conflict with "bob"/);
});

t.test('hostile requests get a Status and the server keeps serving', async (t) => {
  const { http } = await setup(t);
  const cases: [string, string, unknown, number][] = [
    ['GET', '/api/v1/namespaces/default/configmaps/%E0%A4%A', undefined, 400],
    ['GET', '/api/v1/namespaces/default/configmaps?limit=-1', undefined, 400],
    ['GET', '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=abc', undefined, 200],
    ['TRACE', '/api/v1/namespaces/default/configmaps', undefined, 405],
    ['POST', '/api/v1/namespaces/default/configmaps', 'x'.repeat(9 * 1024 * 1024), 413],
    ['GET', '/apis/apps/v1/namespaces/default/deployments/a/b/c/d', undefined, 404],
    ['GET', '/nonsense', undefined, 404],
  ];
  for (const [method, path, body, status] of cases) {
    const r = await http.call(method, path, body === undefined ? {} : { body, contentType: 'application/json' });
    t.equal(r.status, status, `${method} ${path.slice(0, 60)}`);
    if (r.status !== 200) t.equal(r.json['kind'], 'Status');
    else t.match(r.text, /"type":"ERROR"/, 'a watch that cannot start ends with an ERROR event');
  }
  t.equal((await http.call('GET', '/api/v1/namespaces')).status, 200, 'still serving');
});

t.test('namespace subresources /status and /finalize are not read as a namespace called "status"', async (t) => {
  const { http } = await setup(t);
  await http.call('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } });
  const status = await http.call('GET', '/api/v1/namespaces/team/status');
  t.equal(status.status, 200);
  t.match(status.json, { kind: 'Namespace', metadata: { name: 'team' }, status: { phase: 'Active' } });
  const live = status.json;
  const finalized = await http.call('PUT', '/api/v1/namespaces/team/finalize', { body: { ...live, spec: { finalizers: [] } } });
  t.equal(finalized.status, 200);
  t.same((finalized.json['spec'] as { finalizers: string[] }).finalizers, []);
  t.equal((await http.call('GET', '/api/v1/namespaces/team/configmaps')).status, 200, 'namespaced collections still resolve');
});

t.test('a watch with a malformed label selector is a 400 before the stream starts', async (t) => {
  const { http } = await setup(t);
  const r = await http.call('GET', '/api/v1/namespaces/default/pods?watch=true&labelSelector=app%20in%20(');
  t.equal(r.status, 400);
  t.match(r.json, { kind: 'Status', reason: 'BadRequest' });
});
