// apply finds CRD-defined kinds: in-process from the catalog (waiting for a
// kind a CRD of the same batch defines), and a cluster started with a
// manifest holding a CRD and its custom resources applies both.

import t from 'tap';
import type { CustomResourceDefinition } from '../../control/api/index.ts';
import { KindCatalog, PODS, stringifyYaml } from '../../control/api/index.ts';
import { catalogResolver, definedInBatch } from '../../control/cluster/kind-resolvers.ts';
import { startTestCluster } from '../helpers/cluster.ts';
import { widget, widgetCrd } from '../helpers/crd-fixtures.ts';

t.test('catalogResolver waits only for kinds the batch defines', async (t) => {
  const kinds = new KindCatalog();
  const crd = widgetCrd();
  const batch = [crd, widget('w', { size: 'small' })];
  t.ok(definedInBatch(batch, 'example.com/v1', 'Widget'));
  t.notOk(definedInBatch(batch, 'example.com/v1', 'Gadget'));
  const resolve = catalogResolver(kinds, batch, 5_000);
  t.equal(await resolve('v1', 'Pod'), PODS, 'built-ins at once');
  t.equal(await catalogResolver(kinds, batch, 50)('example.org/v1', 'Gadget'), undefined, 'an unknown kind no CRD defines fails at once');
  const pending = resolve('example.com/v1', 'Widget');
  kinds.register({ ...crd, metadata: { ...crd.metadata, name: crd.metadata.name!, uid: 'u', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' } } as CustomResourceDefinition);
  t.equal((await pending)?.plural, 'widgets', 'resolved once the CRD is served');
});

t.test('a cluster manifest with a CRD and its custom resources applies both', { timeout: 120_000 }, async (t) => {
  const yaml = [stringifyYaml(widgetCrd()), stringifyYaml(widget('w1', { size: 'large' }))].join('---\n');
  const cluster = await startTestCluster({ yaml, nodes: 1 });
  t.teardown(() => cluster.stop());
  t.same(cluster.applied.map((r) => [r.ref, r.action]), [['customresourcedefinition.apiextensions.k8s.io/widgets.example.com', 'created'], ['widget.example.com/w1', 'created']]);
  const type = cluster.registry.kinds.forKind('example.com/v1', 'Widget')!;
  t.equal((await cluster.client.get(type, 'default', 'w1'))?.['spec'] && ((await cluster.client.get(type, 'default', 'w1'))!.spec as { replicas?: number }).replicas, 1, 'stored, defaulted');
});
