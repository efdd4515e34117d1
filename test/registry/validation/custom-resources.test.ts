// Custom resources through the registry: validated against their CRD's
// openAPIV3Schema with Kubernetes' field paths and messages, pruned of
// unknown fields unless preserved, defaulted; status kept apart from spec,
// generation bumped only by spec changes.

import t from 'tap';
import type { Test } from 'tap';
import type { CustomResourceDefinition, KubeObject, ResourceType } from '../../../control/api/index.ts';
import { KindCatalog } from '../../../control/api/index.ts';
import { createRegistry } from '../../../control/registry/index.ts';
import type { Registry } from '../../../control/registry/index.ts';
import { MemoryStore } from '../../../control/store/index.ts';
import { expectApiError } from '../../helpers/expect-error.ts';
import { widget, widgetCrd } from '../../helpers/crd-fixtures.ts';

type Widget = KubeObject<Record<string, unknown>, Record<string, unknown>>;

async function setup(t: Test): Promise<{ registry: Registry; type: ResourceType }> {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const kinds = new KindCatalog();
  const registry = createRegistry({ store, kinds });
  await registry.ensureNamespaces(['default']);
  const crd = widgetCrd();
  const type = kinds.register({ ...crd, metadata: { ...crd.metadata, name: crd.metadata.name!, uid: 'u', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' } } as CustomResourceDefinition)!;
  return { registry, type };
}

t.test('schema violations are 422s with field paths and Kubernetes messages', async (t) => {
  const { registry, type } = await setup(t);
  const cases: { spec: Record<string, unknown>; field: string; message: string }[] = [
    { spec: {}, field: 'spec.size', message: 'Required value' },
    { spec: { size: 'huge' }, field: 'spec.size', message: 'Unsupported value: "huge": supported values: "small", "large"' },
    { spec: { size: 'small', replicas: 'three' }, field: 'spec.replicas', message: 'Invalid value: "three": spec.replicas in body must be of type integer: "string"' },
    { spec: { size: 'small', replicas: 11 }, field: 'spec.replicas', message: 'Invalid value: 11: spec.replicas in body should be less than or equal to 10' },
    { spec: { size: 'small', replicas: -1 }, field: 'spec.replicas', message: 'Invalid value: -1: spec.replicas in body should be greater than or equal to 0' },
    { spec: { size: 'small', color: 'Blue' }, field: 'spec.color', message: "Invalid value: \"Blue\": spec.color in body should match '^[a-z]+$'" },
    { spec: { size: 'small', color: 'abcdefghijk' }, field: 'spec.color', message: 'Too long: may not be more than 10 bytes' },
    { spec: { size: 'small', tags: ['a', 'b', 'c', 'd'] }, field: 'spec.tags', message: 'Too many: 4: must have at most 3 items' },
    { spec: { size: 'small', tags: [''] }, field: 'spec.tags[0]', message: 'Invalid value: "": spec.tags[0] in body should be at least 1 chars long' },
    { spec: { size: 'small', owner: 'nobody' }, field: 'spec.owner', message: 'Invalid value: "nobody": spec.owner in body must be of type email: "nobody"' },
    { spec: { size: 'small', port: 1.5 }, field: 'spec.port', message: 'Invalid value: 1.5: spec.port in body must be of type integer,string: "number"' },
    { spec: { size: 'small', labels: { a: 1 } }, field: 'spec.labels.a', message: 'Invalid value: 1: spec.labels.a in body must be of type string: "integer"' },
  ];
  for (const c of cases) {
    const err = await expectApiError(registry.create(type, widget('bad', c.spec)), 'Invalid');
    const cause = err.details?.causes?.find((x) => x.field === c.field);
    t.equal(cause?.message, c.message, `${JSON.stringify(c.spec)} → ${c.field}`);
    t.match(err.message, /^Widget\.example\.com "bad" is invalid: /);
  }
  t.ok(await registry.create(type, widget('ok', { size: 'small', port: 'http', owner: null })), 'int-or-string takes a string; nullable takes null');
});

t.test('unknown fields are pruned unless preserved; defaults fill what is absent', async (t) => {
  const { registry, type } = await setup(t);
  const created = await registry.create<Widget>(type, {
    ...widget('w', {
      size: 'large',
      unknown: true,
      extra: { anything: [1, { deep: true }] },
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { image: 'nginx', bogus: 1 } },
      parts: [{ name: 'a' }, { name: 'b', count: 3, colour: 'red' }],
    }),
    topLevelJunk: 'gone',
  });
  t.notOk('topLevelJunk' in created, 'unknown root field pruned');
  t.notOk('unknown' in created.spec!, 'unknown spec field pruned');
  t.same(created.spec!['extra'], { anything: [1, { deep: true }] }, 'x-kubernetes-preserve-unknown-fields keeps everything');
  t.same(created.spec!['template'], { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { image: 'nginx' } }, 'embedded resource keeps apiVersion/kind/metadata, prunes the rest');
  t.equal(created.spec!['replicas'], 1, 'default');
  t.equal(created.spec!['color'], 'blue', 'default');
  t.same(created.spec!['parts'], [{ name: 'a', count: 1 }, { name: 'b', count: 3 }], 'defaults and pruning inside array items');
});

t.test('status subresource: spec and status are written apart; generation follows spec only', async (t) => {
  const { registry, type } = await setup(t);
  const created = await registry.create<Widget>(type, { ...widget('w', { size: 'small' }), status: { replicas: 5 } });
  t.equal(created.status, undefined, 'status is not set by create');
  t.equal(created.metadata.generation, 1);
  const withStatus = await registry.updateStatus<Widget>(type, { ...created, status: { replicas: 2, selector: 'app=w' } });
  t.same(withStatus.status, { replicas: 2, selector: 'app=w' });
  t.equal(withStatus.metadata.generation, 1, 'a status write does not bump generation');
  const ignored = await registry.update<Widget>(type, { ...withStatus, status: { replicas: 99 } });
  t.same(ignored.status, { replicas: 2, selector: 'app=w' }, 'the main resource does not write status');
  t.equal(ignored.metadata.generation, 1, 'nothing in spec changed');
  const patched = await registry.patch<Widget>(type, 'default', 'w', 'merge', { spec: { size: 'large' } });
  t.equal(patched.metadata.generation, 2, 'a spec change bumps generation');
  t.equal(patched.spec!['size'], 'large');
  const applied = await registry.patch<Widget>(type, 'default', 'w', 'apply', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 'large', replicas: 4 } }, { fieldManager: 'tester', force: true });
  t.equal(applied.spec!['replicas'], 4, 'server-side apply works on custom resources');
  t.ok((applied.metadata.managedFields ?? []).some((m) => (m as { manager?: string }).manager === 'tester'), 'managedFields record the apply manager');
  await expectApiError(registry.patch(type, 'default', 'w', 'strategic', { spec: { size: 'small' } }), 'UnsupportedMediaType');
});
