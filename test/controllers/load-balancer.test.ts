import t from 'tap';
import type { Service } from '../../control/api/index.ts';
import { SERVICES } from '../../control/api/index.ts';
import { createLoadBalancerReconciler, POOL_FULL_RETRY_MS } from '../../control/controllers/index.ts';
import { newCluster, serviceManifest } from './cluster.ts';

const POOL = ['127.200.0.1', '127.200.0.2'];

async function setup() {
  const cluster = await newCluster();
  const reconciler = createLoadBalancerReconciler({ client: cluster.client, pool: POOL });
  const lb = (name: string, extra: Record<string, unknown> = {}) =>
    cluster.client.create<Service>(SERVICES, serviceManifest(name, { app: name }, [{ name: 'http', port: 80 }], { type: 'LoadBalancer', ...extra }));
  const ingress = async (name: string) => (await cluster.client.get<Service>(SERVICES, 'default', name))?.status?.loadBalancer?.ingress;
  return { ...cluster, reconciler, lb, ingress };
}

t.test('each LoadBalancer Service gets its own pool address; a full pool waits', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  await c.lb('a');
  await c.lb('b');
  await c.lb('c');
  await c.client.create(SERVICES, serviceManifest('plain', { app: 'x' }, [{ port: 80 }]));
  for (const name of ['a', 'b', 'c', 'plain']) await c.reconciler.reconcile(`default/${name}`);
  t.same(await c.ingress('a'), [{ ip: '127.200.0.1', ipMode: 'VIP' }]);
  t.same(await c.ingress('b'), [{ ip: '127.200.0.2', ipMode: 'VIP' }]);
  t.equal(await c.ingress('c'), undefined, 'no address left for the third');
  t.equal(await c.ingress('plain'), undefined, 'ClusterIP Services get none');
  t.same(await c.reconciler.reconcile('default/c'), { requeueAfterMs: POOL_FULL_RETRY_MS });
  await c.reconciler.reconcile('default/a');
  t.same(await c.ingress('a'), [{ ip: '127.200.0.1', ipMode: 'VIP' }], 'reconciling again keeps the address');

  // a stops being a LoadBalancer: its address is freed and c gets it.
  const a = (await c.client.get<Service>(SERVICES, 'default', 'a'))!;
  await c.client.update(SERVICES, { ...a, spec: { ...a.spec, type: 'ClusterIP', ports: [{ name: 'http', port: 80 }] } });
  await c.reconciler.reconcile('default/a');
  t.same((await c.client.get<Service>(SERVICES, 'default', 'a'))?.status?.loadBalancer, {}, 'ingress cleared on type change');
  await c.reconciler.reconcile('default/c');
  t.same(await c.ingress('c'), [{ ip: '127.200.0.1', ipMode: 'VIP' }]);
});

t.test('spec.loadBalancerIP is honoured when free; a duplicate claim goes to the older Service', async (t) => {
  const c = await setup();
  t.teardown(c.close);
  await c.lb('want', { loadBalancerIP: '127.200.0.2' });
  await c.reconciler.reconcile('default/want');
  t.same(await c.ingress('want'), [{ ip: '127.200.0.2', ipMode: 'VIP' }]);
  await c.lb('outside', { loadBalancerIP: '10.0.0.1' });
  t.same(await c.reconciler.reconcile('default/outside'), { requeueAfterMs: POOL_FULL_RETRY_MS });
  t.equal(await c.ingress('outside'), undefined, 'an address outside the pool is not given');

  // A newer Service whose status claims the same address (e.g. restored from a backup) is moved.
  const copy = await c.lb('z-copy');
  await c.client.updateStatus(SERVICES, { ...copy, status: { loadBalancer: { ingress: [{ ip: '127.200.0.2' }] } } });
  await c.reconciler.reconcile('default/z-copy');
  t.same(await c.ingress('z-copy'), [{ ip: '127.200.0.1', ipMode: 'VIP' }]);
  await c.reconciler.reconcile('default/want');
  t.same(await c.ingress('want'), [{ ip: '127.200.0.2', ipMode: 'VIP' }], 'the older keeps it');
});
