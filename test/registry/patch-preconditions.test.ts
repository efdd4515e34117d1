// Patches against the registry as kube-apiserver treats them: a
// metadata.resourceVersion in the patch is a precondition (409 when stale),
// and a patch without one is re-applied to the newest object until it lands.

import t from 'tap';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { CONFIG_MAPS, PODS } from '../../control/api/index.ts';
import type { KubeObject, PatchType } from '../../control/api/index.ts';
import { expectApiError } from '../helpers/expect-error.ts';

async function setup() {
  const store = new MemoryStore();
  const registry = createRegistry({ store });
  await registry.ensureNamespaces(['default']);
  const created = await registry.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'default' }, data: { seed: '0' } });
  return { store, registry, created };
}

type Cm = KubeObject & { data?: Record<string, string> };

t.test('20 concurrent unconditional patches of different keys all land', async (t) => {
  const { registry } = await setup();
  const patches: [PatchType, (i: number) => unknown][] = [
    ['merge', (i) => ({ data: { [`merge${i}`]: String(i) } })],
    ['strategic', (i) => ({ data: { [`smp${i}`]: String(i) } })],
    ['json', (i) => [{ op: 'add', path: `/data/json${i}`, value: String(i) }]],
  ];
  for (const [patchType, body] of patches) {
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => registry.patch(CONFIG_MAPS, 'default', 'shared', patchType, body(i))));
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    t.same(failed, [], `${patchType}: no patch failed`);
    const cm = (await registry.get<Cm>(CONFIG_MAPS, 'default', 'shared'))!;
    const keys = Object.keys(cm.data ?? {}).filter((k) => k.startsWith(patchType === 'strategic' ? 'smp' : patchType));
    t.equal(keys.length, 20, `${patchType}: all 20 keys are there`);
  }
});

t.test('a resourceVersion in the patch is a precondition, for every patch type', async (t) => {
  const { registry, created } = await setup();
  const stale = created.metadata.resourceVersion;
  const moved = await registry.patch<Cm>(CONFIG_MAPS, 'default', 'shared', 'merge', { data: { moved: 'yes' } });
  t.not(moved.metadata.resourceVersion, stale, 'the object moved on');
  const conditional: [PatchType, (rv: string) => unknown][] = [
    ['merge', (rv) => ({ metadata: { resourceVersion: rv }, data: { a: 'merge' } })],
    ['strategic', (rv) => ({ metadata: { resourceVersion: rv }, data: { a: 'smp' } })],
    ['json', (rv) => [{ op: 'replace', path: '/metadata/resourceVersion', value: rv }, { op: 'add', path: '/data/a', value: 'json' }]],
  ];
  for (const [patchType, body] of conditional) {
    const err = await expectApiError(registry.patch(CONFIG_MAPS, 'default', 'shared', patchType, body(stale)), 'Conflict');
    t.equal(err.httpStatus, 409);
    t.match(err.message, /^Operation cannot be fulfilled on configmaps "shared": the object has been modified; please apply your changes to the latest version and try again$/, patchType);
    t.equal((await registry.get<Cm>(CONFIG_MAPS, 'default', 'shared'))!.data?.['a'], undefined, `${patchType}: nothing written`);
    const current = (await registry.get<Cm>(CONFIG_MAPS, 'default', 'shared'))!.metadata.resourceVersion;
    const ok = await registry.patch<Cm>(CONFIG_MAPS, 'default', 'shared', patchType, body(current));
    t.equal(ok.data?.['a'], patchType === 'strategic' ? 'smp' : patchType, `${patchType}: the current version passes`);
    t.not(ok.metadata.resourceVersion, current, `${patchType}: a new version`);
    await registry.patch(CONFIG_MAPS, 'default', 'shared', 'json', [{ op: 'remove', path: '/data/a' }]);
  }
  const removed = await registry.patch<Cm>(CONFIG_MAPS, 'default', 'shared', 'merge', { metadata: { resourceVersion: null }, data: { b: '1' } });
  t.equal(removed.data?.['b'], '1', 'a patch that removes resourceVersion is unconditional');
});

t.test('a stale resourceVersion in a status patch is a conflict too', async (t) => {
  const { registry } = await setup();
  const pod = await registry.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  await registry.patch(PODS, 'default', 'p', 'merge', { metadata: { labels: { touched: 'yes' } } });
  await expectApiError(registry.patch(PODS, 'default', 'p', 'merge', { metadata: { resourceVersion: pod.metadata.resourceVersion }, status: { phase: 'Running' } }, { subresource: 'status' }), 'Conflict');
  const ok = await registry.patch<KubeObject & { status?: { phase?: string } }>(PODS, 'default', 'p', 'merge', { status: { phase: 'Running' } }, { subresource: 'status' });
  t.equal(ok.status?.phase, 'Running');
});

t.test('concurrent status writes without a resourceVersion all land', async (t) => {
  const { registry } = await setup();
  await registry.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, async (_, i) => {
      const pod = (await registry.get(PODS, 'default', 'p'))!;
      return registry.updateStatus(PODS, { ...pod, metadata: { ...pod.metadata, resourceVersion: undefined }, status: { phase: 'Running', message: `writer ${i}` } });
    }),
  );
  t.same(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)), []);
});
