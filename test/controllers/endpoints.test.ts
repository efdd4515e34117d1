import t from 'tap';
import type { Endpoints, Pod } from '../../control/api/index.ts';
import { ENDPOINTS, ENDPOINT_SLICES, PODS, SERVICES } from '../../control/api/index.ts';
import type { EndpointSlice } from '../../control/controllers/index.ts';
import { SERVICE_NAME_LABEL, createEndpointSliceReconciler, createEndpointsReconciler } from '../../control/controllers/index.ts';
import { markPodRunning, newCluster, podManifest, serviceManifest } from './cluster.ts';

async function setup() {
  const cluster = await newCluster();
  const { client } = cluster;
  const endpoints = createEndpointsReconciler({ client });
  const slices = createEndpointSliceReconciler({ client });
  const sync = async (name: string) => {
    await endpoints.reconcile(`default/${name}`);
    await slices.reconcile(`default/${name}`);
  };
  const getEndpoints = (name: string) => client.get<Endpoints>(ENDPOINTS, 'default', name);
  const getSlices = async (name: string) => (await client.list<EndpointSlice>(ENDPOINT_SLICES, { namespace: 'default', labelSelector: `${SERVICE_NAME_LABEL}=${name}` })).items;
  return { ...cluster, sync, getEndpoints, getSlices };
}

t.test('ready pods become addresses, not-ready ones notReadyAddresses; named targetPorts resolve per pod', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  const containerSpec = (port: number) => ({ containers: [{ name: 'app', image: 'x', ports: [{ name: 'http', containerPort: port }] }] });
  const a = await c.client.create<Pod>(PODS, podManifest('a', { app: 'web' }, containerSpec(8080)));
  const b = await c.client.create<Pod>(PODS, podManifest('b', { app: 'web' }, containerSpec(9090)));
  const n = await c.client.create<Pod>(PODS, podManifest('n', { app: 'web' }, containerSpec(8080)));
  await c.client.create<Pod>(PODS, podManifest('noip', { app: 'web' }, containerSpec(8080)));
  await c.client.create<Pod>(PODS, podManifest('other', { app: 'db' }, containerSpec(8080)));
  await markPodRunning(c.client, a, { ip: '127.244.1.10', nodeName: 'node-1' });
  await markPodRunning(c.client, b, { ip: '127.244.1.11' });
  await markPodRunning(c.client, n, { ip: '127.244.1.12', ready: false });
  await c.client.create(SERVICES, serviceManifest('web', { app: 'web' }, [{ name: 'http', port: 80, targetPort: 'http' }]));
  await c.sync('web');

  const ep = (await c.getEndpoints('web'))!;
  t.ok(ep, 'Endpoints created with the Service name');
  const subsets = ep.subsets ?? [];
  t.equal(subsets.length, 2, 'pods with different resolved ports land in different subsets');
  const on8080 = subsets.find((s) => s.ports?.[0]?.port === 8080)!;
  const on9090 = subsets.find((s) => s.ports?.[0]?.port === 9090)!;
  t.same(on8080.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  t.same(on8080.addresses?.map((x) => x.ip), ['127.244.1.10']);
  t.same(on8080.notReadyAddresses?.map((x) => x.ip), ['127.244.1.12']);
  t.same(on8080.addresses?.[0], { ip: '127.244.1.10', nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'a', namespace: 'default', uid: a.metadata.uid } });
  t.same(on9090.addresses?.map((x) => x.ip), ['127.244.1.11']);

  const slices = await c.getSlices('web');
  t.equal(slices.length, 2, 'one slice per port list');
  const all = slices.flatMap((s) => s.endpoints.map((e) => ({ ip: e.addresses[0], ready: e.conditions.ready, port: s.ports?.[0]?.port })));
  t.same(
    all.sort((x, y) => x.ip!.localeCompare(y.ip!)),
    [
      { ip: '127.244.1.10', ready: true, port: 8080 },
      { ip: '127.244.1.11', ready: true, port: 9090 },
      { ip: '127.244.1.12', ready: false, port: 8080 },
    ],
  );
  for (const s of slices) {
    t.equal(s.addressType, 'IPv4');
    t.equal(s.metadata.ownerReferences?.[0]?.kind, 'Service');
  }
});

t.test('follows pod changes: readiness flips, deletion, and terminating pods', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  const a = await markPodRunning(c.client, await c.client.create<Pod>(PODS, podManifest('a', { app: 'web' })), { ip: '127.244.1.20' });
  await c.client.create(SERVICES, serviceManifest('web', { app: 'web' }, [{ port: 9080 }]));
  await c.sync('web');
  t.same((await c.getEndpoints('web'))!.subsets, [{ addresses: [{ ip: '127.244.1.20', targetRef: { kind: 'Pod', name: 'a', namespace: 'default', uid: a.metadata.uid } }], ports: [{ port: 9080, protocol: 'TCP' }] }]);
  const rv = (await c.getEndpoints('web'))!.metadata.resourceVersion;
  await c.sync('web');
  t.equal((await c.getEndpoints('web'))!.metadata.resourceVersion, rv, 'no write when nothing changed');

  await markPodRunning(c.client, (await c.client.get<Pod>(PODS, 'default', 'a'))!, { ready: false });
  await c.sync('web');
  t.same((await c.getEndpoints('web'))!.subsets?.[0]?.notReadyAddresses?.map((x) => x.ip), ['127.244.1.20']);

  // A pod bound to a node is deleted gracefully: it lingers marked, and leaves Endpoints at once.
  await c.client.patch(PODS, 'default', 'a', 'merge', { spec: { nodeName: 'node-1' } });
  await c.client.delete(PODS, 'default', 'a');
  t.ok((await c.client.get<Pod>(PODS, 'default', 'a'))?.metadata.deletionTimestamp, 'pod is terminating');
  await c.sync('web');
  t.same((await c.getEndpoints('web'))!.subsets, []);
  const [slice] = await c.getSlices('web');
  t.match(slice!.endpoints, [{ addresses: ['127.244.1.20'], conditions: { ready: false, terminating: true } }], 'slices keep terminating endpoints');
});

t.test('publishNotReadyAddresses, headless hostname/subdomain, services without selector', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  const pod = await c.client.create<Pod>(PODS, podManifest('db-0', { app: 'db' }, { hostname: 'db-0', subdomain: 'db' }));
  await markPodRunning(c.client, pod, { ip: '127.244.1.30', ready: false });
  await c.client.create(SERVICES, serviceManifest('db', { app: 'db' }, [{ name: 'sql', port: 5432 }], { clusterIP: 'None', publishNotReadyAddresses: true }));
  await c.sync('db');
  const ep = (await c.getEndpoints('db'))!;
  t.match(ep.subsets, [{ addresses: [{ ip: '127.244.1.30', hostname: 'db-0' }], ports: [{ name: 'sql', port: 5432 }] }]);
  t.equal(ep.metadata.labels?.['service.kubernetes.io/headless'], '');

  // A Service without a selector: Endpoints are the user's to write and are left alone.
  await c.client.create(SERVICES, serviceManifest('external', undefined, [{ port: 80 }]));
  await c.client.create(ENDPOINTS, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'external', namespace: 'default' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 8080 }] }] });
  await c.sync('external');
  t.same((await c.getEndpoints('external'))!.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 8080 }] }]);
  const mirrored = await c.getSlices('external');
  t.equal(mirrored.length, 1, 'mirrored into one slice');
  t.match(mirrored[0], {
    metadata: { labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' } },
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ port: 8080 }],
  });
  await c.client.delete(ENDPOINTS, 'default', 'external');
  await c.sync('external');
  t.equal((await c.getSlices('external')).length, 0, 'mirror removed with the Endpoints');
});

t.test('deleting the Service removes the Endpoints and slices it made', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  await c.client.create(SERVICES, serviceManifest('web', { app: 'web' }, [{ port: 80 }]));
  await c.sync('web');
  t.ok(await c.getEndpoints('web'));
  t.equal((await c.getSlices('web')).length, 1, 'an empty Service still has one slice');
  await c.client.delete(SERVICES, 'default', 'web');
  await c.sync('web');
  t.notOk(await c.getEndpoints('web'));
  t.equal((await c.getSlices('web')).length, 0);
});
