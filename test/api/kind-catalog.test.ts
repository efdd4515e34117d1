import t from 'tap';
import type { CustomResourceDefinition } from '../../control/api/index.ts';
import { KindCatalog, PODS, VIRTUAL_SERVICES, RESOURCE_TYPES } from '../../control/api/index.ts';
import { istioCrdFor, widgetCrd } from '../helpers/crd-fixtures.ts';

function stored(input: ReturnType<typeof widgetCrd>): CustomResourceDefinition {
  return { ...input, metadata: { ...input.metadata, name: input.metadata.name!, uid: 'u1', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' } } as CustomResourceDefinition;
}

t.test('a CRD adds a kind served under every served version, found by kind, resource and name', async (t) => {
  const kinds = new KindCatalog();
  const changes: number[] = [];
  kinds.onChange(() => changes.push(kinds.revision));
  t.notOk(kinds.forKind('example.com/v1', 'Widget'), 'unknown before the CRD');
  const type = kinds.register(stored(widgetCrd()));
  t.ok(type);
  t.equal(type?.version, 'v1', 'the storage version is the type version');
  t.same(type?.aliasVersions, ['v1beta1'], 'other served versions are aliases');
  t.same(type?.subresources, ['status', 'scale']);
  t.equal(kinds.forKind('example.com/v1beta1', 'Widget'), type);
  t.equal(kinds.forResource('example.com', 'v1', 'widgets'), type);
  t.equal(kinds.forName('wd'), type, 'short name');
  t.equal(kinds.forName('widgets.example.com'), type, 'plural.group');
  t.equal(kinds.forName('po'), PODS, 'built-ins still resolve');
  t.equal(kinds.all().length, RESOURCE_TYPES.length + 1);
  t.same(changes, [1], 'one change notification');

  t.equal(kinds.register(stored(widgetCrd())), type, 'the same spec again changes nothing');
  t.same(changes, [1], 'no notification for an unchanged spec (status writes)');

  kinds.unregister('widgets.example.com');
  t.notOk(kinds.forName('widgets'), 'gone after unregister');
  t.same(changes, [1, 2]);
});

t.test('a CRD for a kind served natively never replaces the built-in', async (t) => {
  const kinds = new KindCatalog();
  const crd = istioCrdFor(VIRTUAL_SERVICES, ['istio-io', 'networking-istio-io'], [{ name: 'Hosts', jsonPath: '.spec.hosts' }]);
  t.equal(kinds.register(stored(crd)), undefined);
  t.equal(kinds.forResource('networking.istio.io', 'v1', 'virtualservices'), VIRTUAL_SERVICES);
  t.equal(kinds.customKind(VIRTUAL_SERVICES), undefined);
  t.equal(kinds.revision, 0);
});
