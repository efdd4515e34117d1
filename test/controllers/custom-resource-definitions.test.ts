// The CRD controller against the in-process registry: names accepted, the
// kind served, then Established; a naming conflict; a deleted CRD takes its
// objects with it; an Istio CRD for a kind served natively is Established
// and the built-in kind keeps its own validation.

import t from 'tap';
import type { Test } from 'tap';
import type { CustomResourceDefinition, CustomResourceDefinitionCondition } from '../../control/api/index.ts';
import { CRD_CLEANUP_FINALIZER, CUSTOM_RESOURCE_DEFINITIONS, KindCatalog, VIRTUAL_SERVICES } from '../../control/api/index.ts';
import { createCrdReconciler } from '../../control/controllers/custom-resource-definitions.ts';
import { startControllers } from '../../control/controllers/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import type { Registry } from '../../control/registry/index.ts';
import { MemoryStore } from '../../control/store/index.ts';
import { expectApiError } from '../helpers/expect-error.ts';
import { istioCrdFor, widget, widgetCrd, WIDGET_CRD_NAME } from '../helpers/crd-fixtures.ts';
import { waitFor } from '../helpers/wait.ts';

async function setup(t: Test): Promise<{ registry: Registry; kinds: KindCatalog }> {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const kinds = new KindCatalog();
  const registry = createRegistry({ store, kinds });
  await registry.ensureNamespaces(['default']);
  return { registry, kinds };
}

function condition(crd: CustomResourceDefinition | undefined, type: string): CustomResourceDefinitionCondition | undefined {
  return crd?.status?.conditions?.find((c) => c.type === type);
}

t.test('an accepted CRD is served, then Established, with acceptedNames', async (t) => {
  const { registry, kinds } = await setup(t);
  const reconciler = createCrdReconciler({ client: registry, kinds });
  await registry.create(CUSTOM_RESOURCE_DEFINITIONS, widgetCrd());
  t.notOk(kinds.forName('widgets'), 'not served before the controller ran');
  await reconciler.reconcile(WIDGET_CRD_NAME);
  const crd = await registry.get(CUSTOM_RESOURCE_DEFINITIONS, undefined, WIDGET_CRD_NAME);
  t.match(condition(crd, 'NamesAccepted'), { status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
  t.match(condition(crd, 'Established'), { status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
  t.match(crd?.status?.acceptedNames, { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'], categories: ['all', 'toys'] });
  t.same(crd?.status?.storedVersions, ['v1']);
  const type = kinds.forKind('example.com/v1', 'Widget');
  t.ok(type, 'the kind is in the catalog');
  t.ok(await registry.create(type!, widget('w', { size: 'small' })), 'its objects can be created');

  const before = crd!.metadata.resourceVersion;
  await reconciler.reconcile(WIDGET_CRD_NAME);
  const again = await registry.get(CUSTOM_RESOURCE_DEFINITIONS, undefined, WIDGET_CRD_NAME);
  t.equal(again?.metadata.resourceVersion, before, 'reconciling again writes nothing');
});

t.test('a second CRD claiming an accepted kind is not accepted', async (t) => {
  const { registry, kinds } = await setup(t);
  const reconciler = createCrdReconciler({ client: registry, kinds });
  await registry.create(CUSTOM_RESOURCE_DEFINITIONS, widgetCrd());
  await reconciler.reconcile(WIDGET_CRD_NAME);
  const rival = widgetCrd();
  rival.metadata.name = 'gadgets.example.com';
  const spec = rival['spec'] as { names: Record<string, unknown> };
  spec.names = { plural: 'gadgets', kind: 'Widget' };
  await registry.create(CUSTOM_RESOURCE_DEFINITIONS, rival);
  await reconciler.reconcile('gadgets.example.com');
  const crd = await registry.get(CUSTOM_RESOURCE_DEFINITIONS, undefined, 'gadgets.example.com');
  t.match(condition(crd, 'NamesAccepted'), { status: 'False', reason: 'KindConflict', message: '"Widget" is already in use' });
  t.match(condition(crd, 'Established'), { status: 'False', reason: 'NotAccepted' });
  t.notOk(kinds.forName('gadgets'), 'not served');
});

t.test('deleting a CRD deletes its custom resources, then the CRD', async (t) => {
  const { registry, kinds } = await setup(t);
  const reconciler = createCrdReconciler({ client: registry, kinds });
  await registry.create(CUSTOM_RESOURCE_DEFINITIONS, widgetCrd());
  await reconciler.reconcile(WIDGET_CRD_NAME);
  const type = kinds.forKind('example.com/v1', 'Widget')!;
  await registry.create(type, widget('a', { size: 'small' }));
  await registry.create(type, widget('b', { size: 'large' }));
  const marked = await registry.delete(CUSTOM_RESOURCE_DEFINITIONS, undefined, WIDGET_CRD_NAME);
  t.ok(marked.metadata.deletionTimestamp, `held by ${CRD_CLEANUP_FINALIZER}`);
  await reconciler.reconcile(WIDGET_CRD_NAME);
  t.equal((await registry.list(type)).items.length, 0, 'custom resources deleted');
  t.notOk(await registry.get(CUSTOM_RESOURCE_DEFINITIONS, undefined, WIDGET_CRD_NAME), 'the CRD is gone');
  t.notOk(kinds.forName('widgets'), 'the kind is no longer served');
});

t.test("Istio's CRD for a kind served natively is Established and the built-in keeps serving", async (t) => {
  const { registry, kinds } = await setup(t);
  const reconciler = createCrdReconciler({ client: registry, kinds });
  const crd = istioCrdFor(VIRTUAL_SERVICES, ['istio-io', 'networking-istio-io'], [{ name: 'Gateways', jsonPath: '.spec.gateways' }, { name: 'Hosts', jsonPath: '.spec.hosts' }]);
  await registry.create(CUSTOM_RESOURCE_DEFINITIONS, crd);
  await reconciler.reconcile('virtualservices.networking.istio.io');
  const stored = await registry.get(CUSTOM_RESOURCE_DEFINITIONS, undefined, 'virtualservices.networking.istio.io');
  t.match(condition(stored, 'Established'), { status: 'True' });
  t.equal(kinds.forResource('networking.istio.io', 'v1', 'virtualservices'), VIRTUAL_SERVICES, 'the built-in type still serves');
  const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: 'default' }, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] } };
  t.ok(await registry.create(VIRTUAL_SERVICES, vs));
  await expectApiError(registry.create(VIRTUAL_SERVICES, { ...vs, metadata: { name: 'bad', namespace: 'default' }, spec: { hosts: 'reviews' } }), 'Invalid');
  await registry.delete(CUSTOM_RESOURCE_DEFINITIONS, undefined, 'virtualservices.networking.istio.io');
  await reconciler.reconcile('virtualservices.networking.istio.io');
  t.notOk(await registry.get(CUSTOM_RESOURCE_DEFINITIONS, undefined, 'virtualservices.networking.istio.io'), 'the CRD goes');
  t.ok(await registry.get(VIRTUAL_SERVICES, 'default', 'r'), 'deleting it does not delete the natively served objects');
});

t.test('startControllers with a catalog establishes CRDs and collects custom owners', async (t) => {
  const { registry, kinds } = await setup(t);
  const controllers = await startControllers({ client: registry, kinds });
  t.teardown(() => controllers.stop());
  await registry.create(CUSTOM_RESOURCE_DEFINITIONS, widgetCrd());
  const type = await waitFor('the Widget kind served', () => kinds.forKind('example.com/v1', 'Widget'), { timeoutMs: 20_000 });
  await waitFor('Established', async () => condition(await registry.get(CUSTOM_RESOURCE_DEFINITIONS, undefined, WIDGET_CRD_NAME), 'Established')?.status === 'True', { timeoutMs: 20_000 });
  const owner = await registry.create(type, widget('owner', { size: 'small' }));
  await registry.create(type, { ...widget('child', { size: 'small' }), metadata: { name: 'child', namespace: 'default', ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'owner', uid: owner.metadata.uid }] } });
  await registry.delete(type, 'default', 'owner');
  await waitFor('the dependent collected after its custom owner went', async () => !(await registry.get(type, 'default', 'child')), { timeoutMs: 20_000 });
  t.notOk(await registry.get(type, 'default', 'child'), 'garbage collection follows ownerReferences to custom kinds');
  t.ok(await registry.get(CUSTOM_RESOURCE_DEFINITIONS, undefined, WIDGET_CRD_NAME), 'the CRD itself stays');
});
