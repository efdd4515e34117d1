import t from 'tap';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { CONFIG_MAPS, NAMESPACES, PODS, SERVICES, DEPLOYMENTS, ApiError } from '../../control/api/index.ts';
import { expectApiError } from '../helpers/expect-error.ts';
import type { KubeObject, WatchEvent, ClusterIpAllocatorLike } from './types.ts';

async function setup(serviceIps?: ClusterIpAllocatorLike) {
  const store = new MemoryStore();
  const registry = createRegistry({ store, serviceIps });
  await registry.ensureNamespaces();
  return { store, registry };
}

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
  data,
});

t.test('create stamps identity; resourceVersion is the store revision', async (t) => {
  const { registry, store } = await setup();
  const created = await registry.create(CONFIG_MAPS, cm('one'));
  t.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
  t.equal(created.metadata.resourceVersion, String(await store.currentRevision()));
  t.ok(created.metadata.creationTimestamp);
  const again = await registry.get(CONFIG_MAPS, 'default', 'one');
  t.same(again, created);
  t.equal((await expectApiError(registry.create(CONFIG_MAPS, cm('one')), 'AlreadyExists')).httpStatus, 409);
  t.equal((await expectApiError(registry.create(CONFIG_MAPS, { ...cm('x'), metadata: { name: 'x', namespace: 'nope' } }), 'NotFound')).reason, 'NotFound');
});

t.test('generateName produces distinct names', async (t) => {
  const { registry } = await setup();
  const names = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const obj = await registry.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-', namespace: 'default' } });
    t.match(obj.metadata.name, /^gen-[a-z0-9]{5}$/);
    names.add(obj.metadata.name);
  }
  t.equal(names.size, 20);
});

t.test('update is compare-and-swap on resourceVersion', async (t) => {
  const { registry } = await setup();
  const created = await registry.create(CONFIG_MAPS, cm('cas'));
  const updated = await registry.update(CONFIG_MAPS, { ...created, data: { a: '2' } });
  t.not(updated.metadata.resourceVersion, created.metadata.resourceVersion);
  const err = await registry.update(CONFIG_MAPS, { ...created, data: { a: '3' } }).catch((e: unknown) => e);
  t.ok(err instanceof ApiError);
  t.equal((err as ApiError).reason, 'Conflict');
  t.match((err as ApiError).message, /the object has been modified/);
  // Without a resourceVersion the update is unconditional.
  const { resourceVersion: _drop, ...meta } = updated.metadata;
  const forced = await registry.update(CONFIG_MAPS, { ...updated, metadata: meta, data: { a: '4' } });
  t.same((forced as KubeObject & { data: unknown }).data, { a: '4' });
});

t.test('status is kept apart from spec; generation tracks spec changes', async (t) => {
  const { registry } = await setup();
  const dep = await registry.create(DEPLOYMENTS, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'default' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  t.equal(dep.metadata.generation, 1);
  const withStatus = await registry.updateStatus(DEPLOYMENTS, { ...dep, status: { replicas: 1 } });
  t.same(withStatus.status, { replicas: 1 });
  t.equal(withStatus.metadata.generation, 1, 'status writes do not bump generation');
  const scaled = await registry.update(DEPLOYMENTS, { ...withStatus, spec: { ...(withStatus.spec as object), replicas: 3 }, status: { replicas: 99 } });
  t.equal(scaled.metadata.generation, 2);
  t.same(scaled.status, { replicas: 1 }, 'update ignores status');
  const viaScale = await registry.patch(DEPLOYMENTS, 'default', 'd', 'merge', { spec: { replicas: 5 } }, { subresource: 'scale' });
  t.equal((viaScale.spec as { replicas: number }).replicas, 5);
});

t.test('list filters by labels and fields and pages with continue', async (t) => {
  const { registry } = await setup();
  for (let i = 0; i < 7; i++) await registry.create(CONFIG_MAPS, cm(`c${i}`, { i: String(i) }, { parity: i % 2 ? 'odd' : 'even' }));
  const odd = await registry.list(CONFIG_MAPS, { namespace: 'default', labelSelector: 'parity=odd' });
  t.same(odd.items.map((o) => o.metadata.name).sort(), ['c1', 'c3', 'c5']);
  const byName = await registry.list(CONFIG_MAPS, { fieldSelector: 'metadata.name=c4' });
  t.same(byName.items.map((o) => o.metadata.name), ['c4']);
  const seen: string[] = [];
  let cont: string | undefined;
  do {
    const page = await registry.list(CONFIG_MAPS, { namespace: 'default', limit: 3, continue: cont });
    t.ok(page.items.length <= 3);
    seen.push(...page.items.map((o) => o.metadata.name));
    cont = page.metadata.continue;
  } while (cont);
  t.same(seen.sort(), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
  t.equal((await expectApiError(registry.list(CONFIG_MAPS, { labelSelector: '==bad' }), 'BadRequest')).reason, 'BadRequest');
});

t.test('watch delivers ADDED/MODIFIED/DELETED in order, from a resourceVersion', async (t) => {
  const { registry } = await setup();
  const first = await registry.create(CONFIG_MAPS, cm('w1'));
  const events: WatchEvent[] = [];
  const done = new Promise<void>((resolve) => {
    const w = registry.watch(CONFIG_MAPS, { namespace: 'default', resourceVersion: first.metadata.resourceVersion }, (e) => {
      events.push(e);
      if (events.length === 3) {
        w.close();
        resolve();
      }
    });
  });
  const second = await registry.create(CONFIG_MAPS, cm('w2'));
  await registry.update(CONFIG_MAPS, { ...second, data: { b: '1' } });
  await registry.delete(CONFIG_MAPS, 'default', 'w2');
  await done;
  t.same(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w2', 'MODIFIED w2', 'DELETED w2']);
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
  t.same(rvs, [...rvs].sort((a, b) => a - b), 'resourceVersions increase');
});

t.test('label-selected watch turns transitions into ADDED/DELETED', async (t) => {
  const { registry } = await setup();
  const start = await registry.list(CONFIG_MAPS);
  const events: string[] = [];
  const done = new Promise<void>((resolve) => {
    const w = registry.watch(CONFIG_MAPS, { labelSelector: 'tier=web', resourceVersion: start.metadata.resourceVersion }, (e) => {
      events.push(`${e.type} ${e.object.metadata.name}`);
      if (events.length === 2) {
        w.close();
        resolve();
      }
    });
  });
  const obj = await registry.create(CONFIG_MAPS, cm('t1', {}, { tier: 'db' }));
  const moved = await registry.update(CONFIG_MAPS, { ...obj, metadata: { ...obj.metadata, labels: { tier: 'web' } } });
  await registry.update(CONFIG_MAPS, { ...moved, metadata: { ...moved.metadata, labels: { tier: 'db' } } });
  await done;
  t.same(events, ['ADDED t1', 'DELETED t1']);
});

t.test('finalizers hold deletion until removed; foreground adds its finalizer', async (t) => {
  const { registry } = await setup();
  await registry.create(CONFIG_MAPS, { ...cm('fin'), metadata: { name: 'fin', namespace: 'default', finalizers: ['example.com/hold'] } });
  const marked = await registry.delete(CONFIG_MAPS, 'default', 'fin');
  t.ok(marked.metadata.deletionTimestamp);
  t.ok(await registry.get(CONFIG_MAPS, 'default', 'fin'), 'still there while finalizer remains');
  await registry.update(CONFIG_MAPS, { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
  t.equal(await registry.get(CONFIG_MAPS, 'default', 'fin'), undefined, 'gone once the last finalizer is removed');

  await registry.create(CONFIG_MAPS, cm('fg'));
  const fg = await registry.delete(CONFIG_MAPS, 'default', 'fg', { propagationPolicy: 'Foreground' });
  t.same(fg.metadata.finalizers, ['foregroundDeletion']);
});

t.test('bound pods are deleted gracefully; unbound at once', async (t) => {
  const { registry } = await setup();
  const pod = (name: string, nodeName?: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'x' }] },
  });
  await registry.create(PODS, pod('free'));
  await registry.delete(PODS, 'default', 'free');
  t.equal(await registry.get(PODS, 'default', 'free'), undefined);
  await registry.create(PODS, pod('bound', 'node-1'));
  const marked = await registry.delete(PODS, 'default', 'bound');
  t.ok(marked.metadata.deletionTimestamp);
  t.ok(await registry.get(PODS, 'default', 'bound'));
  await registry.delete(PODS, 'default', 'bound', { gracePeriodSeconds: 0 });
  t.equal(await registry.get(PODS, 'default', 'bound'), undefined);
});

t.test('services get a ClusterIP from the allocator and release it on delete', async (t) => {
  const given: string[] = [];
  const released: string[] = [];
  let next = 1;
  const { registry } = await setup({
    async allocate(requested) {
      const ip = requested ?? `127.96.0.${++next}`;
      given.push(ip);
      return ip;
    },
    async release(ip) {
      released.push(ip);
    },
  });
  const svc = await registry.create(SERVICES, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's', namespace: 'default' },
    spec: { selector: { app: 's' }, ports: [{ port: 80 }] },
  });
  t.equal((svc.spec as { clusterIP: string }).clusterIP, '127.96.0.2');
  const err = await registry
    .update(SERVICES, { ...svc, spec: { ...(svc.spec as object), clusterIP: '127.96.0.99' } })
    .catch((e: unknown) => e);
  t.equal((err as ApiError).reason, 'Invalid');
  await registry.delete(SERVICES, 'default', 's');
  t.same(released, ['127.96.0.2']);
});

t.test('namespaces terminate through their finalizer', async (t) => {
  const { registry } = await setup();
  await registry.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  const marked = await registry.delete(NAMESPACES, undefined, 'team');
  t.equal((marked.status as { phase: string }).phase, 'Terminating');
  t.equal((await expectApiError(registry.create(CONFIG_MAPS, { ...cm('late'), metadata: { name: 'late', namespace: 'team' } }), 'Forbidden')).reason, 'Forbidden');
  await registry.update(NAMESPACES, { ...marked, spec: { finalizers: [] } });
  t.equal(await registry.get(NAMESPACES, undefined, 'team'), undefined);
});
