// The CRD itself: names, versions and structural schemas are checked as
// apiextensions-apiserver checks them, with its field paths.

import t from 'tap';
import type { ObjectInput } from '../../../control/api/index.ts';
import { CUSTOM_RESOURCE_DEFINITIONS, CRD_CLEANUP_FINALIZER } from '../../../control/api/index.ts';
import { createRegistry } from '../../../control/registry/index.ts';
import { validateObject } from '../../../control/registry/validation/index.ts';
import { MemoryStore } from '../../../control/store/index.ts';
import { expectApiError } from '../../helpers/expect-error.ts';
import { widgetCrd } from '../../helpers/crd-fixtures.ts';

type Spec = Record<string, unknown> & { names: Record<string, unknown>; versions: Record<string, unknown>[] };

function mutated(change: (spec: Spec, crd: ObjectInput) => void): ObjectInput {
  const crd = widgetCrd();
  change(crd['spec'] as Spec, crd);
  return crd;
}

function schemaOf(spec: Spec): Record<string, unknown> {
  return (spec.versions[0]!['schema'] as { openAPIV3Schema: Record<string, unknown> }).openAPIV3Schema;
}

const SCHEMA = 'spec.versions[0].schema.openAPIV3Schema';

const CASES: { name: string; crd: ObjectInput; field: string; message: RegExp }[] = [
  { name: 'name must be plural.group', crd: mutated((_s, c) => (c.metadata.name = 'widget.example.com')), field: 'metadata.name', message: /must be spec\.names\.plural\+"\."\+spec\.group/ },
  { name: 'group needs a dot', crd: mutated((s, c) => { s['group'] = 'example'; c.metadata.name = 'widgets.example'; }), field: 'spec.group', message: /should be a domain with at least one dot/ },
  { name: 'plural is a DNS-1035 label', crd: mutated((s, c) => { s.names['plural'] = 'Widgets'; c.metadata.name = 'Widgets.example.com'; }), field: 'spec.names.plural', message: /a DNS-1035 label must consist of lower case/ },
  { name: 'kind is required', crd: mutated((s) => delete s.names['kind']), field: 'spec.names.kind', message: /Required value/ },
  { name: 'listKind differs from kind', crd: mutated((s) => (s.names['listKind'] = 'Widget')), field: 'spec.names.listKind', message: /kind and listKind may not be the same/ },
  { name: 'scope is Cluster or Namespaced', crd: mutated((s) => (s['scope'] = 'Global')), field: 'spec.scope', message: /Unsupported value: "Global": supported values: "Cluster", "Namespaced"/ },
  { name: 'exactly one storage version', crd: mutated((s) => (s.versions[1]!['storage'] = true)), field: 'spec.versions', message: /must have exactly one version marked as storage version/ },
  { name: 'version names are unique', crd: mutated((s) => (s.versions[1]!['name'] = 'v1')), field: 'spec.versions[1].name', message: /must be unique/ },
  { name: 'a schema is required', crd: mutated((s) => delete s.versions[0]!['schema']), field: SCHEMA, message: /schemas are required/ },
  { name: 'root must be an object', crd: mutated((s) => (schemaOf(s)['type'] = 'string')), field: `${SCHEMA}.type`, message: /must be object at the root/ },
  {
    name: 'a specified field needs a type',
    crd: mutated((s) => delete ((schemaOf(s)['properties'] as Record<string, Record<string, Record<string, Record<string, unknown>>>>)['spec']!['properties']!['size']!['type'])),
    field: `${SCHEMA}.properties[spec].properties[size].type`,
    message: /must not be empty for specified object fields/,
  },
  {
    name: 'arrays need items',
    crd: mutated((s) => delete ((schemaOf(s)['properties'] as Record<string, Record<string, Record<string, Record<string, unknown>>>>)['spec']!['properties']!['tags']!['items'])),
    field: `${SCHEMA}.properties[spec].properties[tags].items`,
    message: /must be specified/,
  },
  {
    name: 'properties and additionalProperties exclude each other',
    crd: mutated((s) => ((schemaOf(s)['properties'] as Record<string, Record<string, unknown>>)['spec']!['additionalProperties'] = { type: 'string' })),
    field: `${SCHEMA}.properties[spec].additionalProperties`,
    message: /additionalProperties and properties are mutual exclusive/,
  },
  {
    name: 'preserve-unknown-fields is true or absent',
    crd: mutated((s) => (schemaOf(s)['x-kubernetes-preserve-unknown-fields'] = false)),
    field: `${SCHEMA}.x-kubernetes-preserve-unknown-fields`,
    message: /must be true or undefined/,
  },
  {
    name: 'root metadata may only name name and generateName',
    crd: mutated((s) => ((schemaOf(s)['properties'] as Record<string, unknown>)['metadata'] = { type: 'object', properties: { labels: { type: 'object' } } })),
    field: `${SCHEMA}.properties[metadata].properties[labels]`,
    message: /must not specify anything other than name and generateName/,
  },
  {
    name: 'defaults must validate',
    crd: mutated((s) => ((schemaOf(s)['properties'] as Record<string, Record<string, Record<string, Record<string, unknown>>>>)['spec']!['properties']!['replicas']!['default'] = 'many')),
    field: `${SCHEMA}.properties[spec].properties[replicas].default`,
    message: /must be of type integer/,
  },
  {
    name: 'scale paths live under .spec and .status',
    crd: mutated((s) => ((s.versions[0]!['subresources'] as { scale: Record<string, string> }).scale['specReplicasPath'] = '.replicas')),
    field: 'spec.versions[0].subresources.scale.specReplicasPath',
    message: /should be a json path under \.spec/,
  },
  {
    name: 'printer column types are OpenAPI types',
    crd: mutated((s) => ((s.versions[0]!['additionalPrinterColumns'] as Record<string, unknown>[])[0]!['type'] = 'text')),
    field: 'spec.versions[0].additionalPrinterColumns[0].type',
    message: /Unsupported value: "text"/,
  },
];

t.test('invalid CRDs get a cause at the field Kubernetes names', async (t) => {
  t.same(validateObject(CUSTOM_RESOURCE_DEFINITIONS, widgetCrd()), [], 'the fixture itself is valid');
  for (const c of CASES) {
    const causes = validateObject(CUSTOM_RESOURCE_DEFINITIONS, c.crd);
    const cause = causes.find((x) => x.field === c.field);
    t.ok(cause, `${c.name}: a cause at ${c.field} (got ${JSON.stringify(causes.map((x) => x.field))})`);
    t.match(cause?.message ?? '', c.message, c.name);
  }
});

t.test('the registry refuses an invalid CRD with a 422 and defaults a valid one', async (t) => {
  const store = new MemoryStore();
  t.teardown(() => store.close());
  const registry = createRegistry({ store });
  const err = await expectApiError(registry.create(CUSTOM_RESOURCE_DEFINITIONS, CASES[6]!.crd), 'Invalid');
  t.match(err.message, /CustomResourceDefinition(\.apiextensions\.k8s\.io)? "widgets\.example\.com" is invalid: spec\.versions/);
  const crd = await registry.create(CUSTOM_RESOURCE_DEFINITIONS, mutated((s) => delete s.names['singular']));
  const names = crd.spec?.names;
  t.equal(names?.singular, 'widget', 'singular defaults to the lower-cased kind');
  t.equal(names?.listKind, 'WidgetList', 'listKind defaults to kind + List');
  t.ok(crd.metadata.finalizers?.includes(CRD_CLEANUP_FINALIZER), 'the cleanup finalizer is added');
});
