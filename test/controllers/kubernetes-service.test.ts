import t from 'tap';
import type { Endpoints, Service } from '../../control/api/index.ts';
import { ENDPOINTS, SERVICES } from '../../control/api/index.ts';
import { createKubernetesServiceReconciler, KUBERNETES_SERVICE_KEY, KUBERNETES_SERVICE_RESYNC_MS } from '../../control/controllers/index.ts';
import { newCluster } from './cluster.ts';

t.test('the kubernetes Service and Endpoints are created, and put back when changed', async (t) => {
  const c = await newCluster();
  t.teardown(c.close);
  const reconciler = createKubernetesServiceReconciler({ client: c.client, clusterIp: '127.96.0.1', apiAddress: '127.0.0.1', apiPort: 6443 });
  t.same(await reconciler.reconcile(KUBERNETES_SERVICE_KEY), { requeueAfterMs: KUBERNETES_SERVICE_RESYNC_MS }, 'comes back every 10 s');
  const svc = (await c.client.get<Service>(SERVICES, 'default', 'kubernetes'))!;
  t.equal(svc.spec?.clusterIP, '127.96.0.1');
  t.equal(svc.spec?.type, 'ClusterIP');
  t.same(svc.spec?.selector, undefined, 'no selector: the endpoints controller leaves its Endpoints alone');
  t.same(svc.spec?.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
  t.same(svc.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
  const ep = (await c.client.get<Endpoints>(ENDPOINTS, 'default', 'kubernetes'))!;
  t.same(ep.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);

  const rv = svc.metadata.resourceVersion;
  await reconciler.reconcile(KUBERNETES_SERVICE_KEY);
  t.equal((await c.client.get<Service>(SERVICES, 'default', 'kubernetes'))?.metadata.resourceVersion, rv, 'no write when nothing changed');

  await c.client.update(SERVICES, { ...svc, spec: { ...svc.spec, ports: [{ name: 'https', port: 8443, targetPort: 1 }] } });
  await c.client.update(ENDPOINTS, { ...ep, subsets: [] });
  await reconciler.reconcile(KUBERNETES_SERVICE_KEY);
  t.same((await c.client.get<Service>(SERVICES, 'default', 'kubernetes'))?.spec?.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], 'ports restored');
  t.same((await c.client.get<Endpoints>(ENDPOINTS, 'default', 'kubernetes'))?.subsets?.[0]?.addresses, [{ ip: '127.0.0.1' }], 'endpoints restored');

  await c.client.delete(SERVICES, 'default', 'kubernetes');
  await reconciler.reconcile(KUBERNETES_SERVICE_KEY);
  t.ok(await c.client.get(SERVICES, 'default', 'kubernetes'), 'recreated after delete');
  t.equal(await reconciler.reconcile('default/other'), undefined, 'other keys are ignored');
});
