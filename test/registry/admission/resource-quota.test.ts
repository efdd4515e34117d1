// ResourceQuota admission against the in-process registry: Kubernetes' exact
// `exceeded quota` and `must specify` messages, counts of pods / services /
// configmaps / secrets / count/<resource>.<group>, `status unknown` before the
// controller has run, scopes, and the CAS on the quota's status that keeps two
// racing creates from both taking the last unit.

import t from 'tap';
import type { ObjectInput, Pod, ResourceQuota, ResourceType } from '../../../control/api/index.ts';
import { CONFIG_MAPS, DEPLOYMENTS, LIMIT_RANGES, PODS, RESOURCE_QUOTAS, SECRETS, SERVICES } from '../../../control/api/index.ts';
import { createResourceQuotaReconciler } from '../../../control/controllers/index.ts';
import { createRegistry } from '../../../control/registry/index.ts';
import { dryRunCreate } from '../../../control/apiserver/dry-run.ts';
import type { Registry } from '../../../control/registry/index.ts';
import { MemoryStore } from '../../../control/store/index.ts';
import { expectApiError } from '../../helpers/expect-error.ts';

async function setup(t: Tap.Test): Promise<Registry> {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const registry = createRegistry({ store });
  await registry.ensureNamespaces(['default']);
  return registry;
}

/** Creates the quota and lets the quota controller publish status.hard/used, as it does before admission can charge it. */
async function quota(registry: Registry, name: string, hard: Record<string, string>, extra: Record<string, unknown> = {}): Promise<void> {
  await registry.create(RESOURCE_QUOTAS, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: 'default' }, spec: { hard, ...extra } });
  await createResourceQuotaReconciler({ client: registry }).reconcile(`default/${name}`);
}

function pod(name: string, resources?: { requests?: Record<string, string>; limits?: Record<string, string> }, extra: Record<string, unknown> = {}): ObjectInput {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'x', ...(resources ? { resources } : {}) }], ...extra } };
}

const used = async (registry: Registry, name: string) => (await registry.get<ResourceQuota>(RESOURCE_QUOTAS, 'default', name))!.status?.used;

t.test('exceeded quota names what was requested, used and limited', async (t) => {
  const registry = await setup(t);
  await quota(registry, 'mem', { 'limits.memory': '2Gi', 'requests.memory': '2Gi' });
  await registry.create(PODS, pod('a', { limits: { memory: '1Gi' } }));
  t.same(await used(registry, 'mem'), { 'limits.memory': '1Gi', 'requests.memory': '1Gi' }, 'the create was charged (requests defaulted from limits)');
  const err = await expectApiError(registry.create(PODS, pod('x', { limits: { memory: '2Gi' } })), 'Forbidden');
  t.equal(err.httpStatus, 403);
  t.equal(err.message, 'pods "x" is forbidden: exceeded quota: mem, requested: limits.memory=2Gi,requests.memory=2Gi, used: limits.memory=1Gi,requests.memory=1Gi, limited: limits.memory=2Gi,requests.memory=2Gi');
  t.notOk(await registry.get(PODS, 'default', 'x'), 'nothing was stored');
  await registry.create(PODS, pod('b', { limits: { memory: '1Gi' } }));
  t.same(await used(registry, 'mem'), { 'limits.memory': '2Gi', 'requests.memory': '2Gi' }, 'exactly at the limit is allowed');
});

t.test('only the exceeded resources are named', async (t) => {
  const registry = await setup(t);
  await quota(registry, 'compute', { 'limits.memory': '2Gi', 'limits.cpu': '4' });
  await registry.create(PODS, pod('a', { limits: { memory: '1Gi', cpu: '1' } }));
  const err = await expectApiError(registry.create(PODS, pod('x', { limits: { memory: '2Gi', cpu: '1' } })), 'Forbidden');
  t.equal(err.message, 'pods "x" is forbidden: exceeded quota: compute, requested: limits.memory=2Gi, used: limits.memory=1Gi, limited: limits.memory=2Gi');
});

t.test('a pod must state the cpu/memory requests and limits a quota covers', async (t) => {
  const registry = await setup(t);
  await quota(registry, 'compute', { 'requests.cpu': '1', 'limits.cpu': '2', 'requests.memory': '1Gi' });
  const err = await expectApiError(registry.create(PODS, pod('x', { requests: { memory: '100Mi' } })), 'Forbidden');
  t.equal(err.message, 'pods "x" is forbidden: failed quota: compute: must specify limits.cpu for: app; requests.cpu for: app');
  await registry.create(PODS, pod('ok', { requests: { cpu: '500m', memory: '100Mi' }, limits: { cpu: '1' } }));
  t.same(await used(registry, 'compute'), { 'limits.cpu': '1', 'requests.cpu': '500m', 'requests.memory': '100Mi' });
});

t.test('object counts: pods, services, configmaps, secrets, count/deployments.apps', async (t) => {
  const registry = await setup(t);
  await quota(registry, 'counts', { pods: '1', services: '1', configmaps: '1', secrets: '1', 'count/deployments.apps': '1' });
  const twice = async (type: ResourceType, make: (n: string) => ObjectInput, resource: string) => {
    await registry.create(type, make('one'));
    const err = await expectApiError(registry.create(type, make('two')), 'Forbidden');
    t.match(err.message, `exceeded quota: counts, requested: ${resource}=1, used: ${resource}=1, limited: ${resource}=1`, resource);
  };
  await twice(PODS, (n) => pod(n), 'pods');
  await twice(SERVICES, (n) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: n, namespace: 'default' }, spec: { ports: [{ port: 80 }] } }), 'services');
  await twice(CONFIG_MAPS, (n) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'default' } }), 'configmaps');
  await twice(SECRETS, (n) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: n, namespace: 'default' } }), 'secrets');
  await twice(DEPLOYMENTS, (n) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: n, namespace: 'default' },
    spec: { selector: { matchLabels: { app: n } }, template: { metadata: { labels: { app: n } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  }), 'count/deployments.apps');
  const err = await expectApiError(registry.create(DEPLOYMENTS, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'three', namespace: 'default' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } }), 'Forbidden');
  t.match(err.message, /^deployments\.apps "three" is forbidden: /, 'a group resource is named with its group');
});

t.test('a quota the controller has not seen yet refuses until it has', async (t) => {
  const registry = await setup(t);
  await registry.create(RESOURCE_QUOTAS, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'fresh', namespace: 'default' }, spec: { hard: { pods: '5' } } });
  const err = await expectApiError(registry.create(PODS, pod('x')), 'Forbidden');
  t.equal(err.message, 'pods "x" is forbidden: status unknown for quota: fresh, resources: pods');
  await createResourceQuotaReconciler({ client: registry }).reconcile('default/fresh');
  await registry.create(PODS, pod('x'));
  t.same(await used(registry, 'fresh'), { pods: '1' });
});

t.test('scopes: a BestEffort quota counts only pods without resources', async (t) => {
  const registry = await setup(t);
  await quota(registry, 'besteffort', { pods: '1' }, { scopes: ['BestEffort'] });
  await registry.create(PODS, pod('be-1'));
  await registry.create(PODS, pod('guaranteed', { requests: { cpu: '1' } }));
  const err = await expectApiError(registry.create(PODS, pod('be-2')), 'Forbidden');
  t.match(err.message, 'exceeded quota: besteffort');
  t.same(await used(registry, 'besteffort'), { pods: '1' });
});

t.test('two racing creates cannot both take the last unit', async (t) => {
  const registry = await setup(t);
  await quota(registry, 'one', { pods: '1' });
  const outcomes = await Promise.allSettled([registry.create<Pod>(PODS, pod('a')), registry.create<Pod>(PODS, pod('b'))]);
  t.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, 'one create passes');
  t.match(outcomes.find((o) => o.status === 'rejected'), { reason: { reason: 'Forbidden' } });
  t.equal((await registry.list(PODS, { namespace: 'default' })).items.length, 1);
});

t.test('the controller recomputes used from the objects (terminal pods do not count)', async (t) => {
  const registry = await setup(t);
  await quota(registry, 'q', { pods: '3', 'requests.cpu': '3' });
  await registry.create(PODS, pod('a', { requests: { cpu: '1' } }));
  const b = await registry.create<Pod>(PODS, pod('b', { requests: { cpu: '250m' } }));
  await registry.updateStatus(PODS, { ...b, status: { phase: 'Succeeded' } });
  await registry.patch(RESOURCE_QUOTAS, 'default', 'q', 'merge', { status: { used: { pods: '3', 'requests.cpu': '3' } } }, { subresource: 'status' });
  t.same(await createResourceQuotaReconciler({ client: registry }).reconcile('default/q'), { requeueAfterMs: 300_000 }, 'resyncs every five minutes');
  t.same(await used(registry, 'q'), { pods: '1', 'requests.cpu': '1' });
  t.same((await registry.get<ResourceQuota>(RESOURCE_QUOTAS, 'default', 'q'))!.status?.hard, { pods: '3', 'requests.cpu': '3' });
});

import type * as Tap from 'tap';

t.test('a server-side dry run is admitted like a create but charges nothing', async (t) => {
  const registry = await setup(t);
  await quota(registry, 'one', { pods: '1' });
  await registry.create(LIMIT_RANGES, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l', namespace: 'default' }, spec: { limits: [{ type: 'Container', default: { cpu: '1' } }] } });
  const preview = await dryRunCreate(registry, PODS, pod('a'));
  t.equal(preview.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container app; cpu limit for container app');
  t.same(await used(registry, 'one'), { pods: '0' }, 'not charged');
  await registry.create(PODS, pod('a'));
  const err = await expectApiError(dryRunCreate(registry, PODS, pod('b')), 'Forbidden');
  t.match(err.message, 'pods "b" is forbidden: exceeded quota: one');
});
