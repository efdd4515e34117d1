// Table-driven checks of validateObject (field paths and reasons of causes)
// and applyDefaults (the values Kubernetes fills in).

import t from 'tap';
import { REFERENCE_ROOT } from '../helpers/reference.ts';
import { DEPLOYMENTS, PODS, SERVICES, VIRTUAL_SERVICES, CONFIG_MAPS, NAMESPACES, JOBS, RATE_LIMIT_POLICIES } from '../../control/api/index.ts';
import type { ObjectInput, ResourceType } from '../../control/api/index.ts';
import { applyDefaults, validateObject, toFieldPath, unknownFields, pruneFields } from '../../control/registry/validation/index.ts';
import { resourceTypeForKind } from '../../control/api/index.ts';
import { parseAllYamlDocuments as splitYamlDocuments } from '../../control/registry/patch/index.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const svc = (spec: unknown, name = 'web'): ObjectInput => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
const deploy = (spec: unknown): ObjectInput => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec });
const podSpec = { containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] };

interface Case {
  name: string;
  type: ResourceType;
  obj: ObjectInput;
  /** Expected [field, reason] pairs, in any order; [] = valid. */
  causes: [string, string][];
}

const cases: Case[] = [
  { name: 'valid service', type: SERVICES, obj: svc({ selector: { app: 'web' }, ports: [{ port: 80 }] }), causes: [] },
  { name: 'missing name', type: CONFIG_MAPS, obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'default' } }, causes: [['metadata.name', 'FieldValueRequired']] },
  { name: 'upper-case name', type: CONFIG_MAPS, obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }, causes: [['metadata.name', 'FieldValueInvalid']] },
  { name: 'service name must be a DNS label', type: SERVICES, obj: svc({ ports: [{ port: 80 }] }, 'a.b'), causes: [['metadata.name', 'FieldValueInvalid']] },
  { name: 'bad label value', type: CONFIG_MAPS, obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { app: 'has space' } } }, causes: [['metadata.labels', 'FieldValueInvalid']] },
  { name: 'service port out of range', type: SERVICES, obj: svc({ ports: [{ port: 70000 }] }), causes: [['spec.ports[0].port', 'FieldValueInvalid']] },
  { name: 'service port wrong type (schema)', type: SERVICES, obj: svc({ ports: [{ port: 'http' }] }), causes: [['spec.ports[0].port', 'FieldValueTypeInvalid']] },
  { name: 'service protocol not supported', type: SERVICES, obj: svc({ ports: [{ port: 80, protocol: 'TCPX' }] }), causes: [['spec.ports[0].protocol', 'FieldValueNotSupported']] },
  { name: 'service without ports', type: SERVICES, obj: svc({ selector: { app: 'x' } }), causes: [['spec.ports', 'FieldValueRequired']] },
  { name: 'headless service without ports is fine', type: SERVICES, obj: svc({ clusterIP: 'None', selector: { app: 'x' } }), causes: [] },
  { name: 'two unnamed ports', type: SERVICES, obj: svc({ ports: [{ port: 80 }, { port: 81 }] }), causes: [['spec.ports[0].name', 'FieldValueRequired'], ['spec.ports[1].name', 'FieldValueRequired']] },
  { name: 'pod with no containers', type: PODS, obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } }, causes: [['spec.containers', 'FieldValueRequired']] },
  { name: 'pod container without image', type: PODS, obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }] } }, causes: [['spec.containers[0].image', 'FieldValueRequired']] },
  {
    name: 'duplicate container names',
    type: PODS,
    obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }] } },
    causes: [['spec.containers[1].name', 'FieldValueDuplicate']],
  },
  {
    name: 'deployment selector does not match template',
    type: DEPLOYMENTS,
    obj: deploy({ selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: podSpec } }),
    causes: [['spec.template.metadata.labels', 'FieldValueInvalid']],
  },
  {
    name: 'deployment replicas wrong type and containerPort wrong type',
    type: DEPLOYMENTS,
    obj: deploy({ replicas: 'three', selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 'http' }] }] } } }),
    causes: [['spec.replicas', 'FieldValueTypeInvalid'], ['spec.template.spec.containers[0].ports[0].containerPort', 'FieldValueTypeInvalid']],
  },
  { name: 'job needs restartPolicy Never/OnFailure', type: JOBS, obj: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: podSpec } } }, causes: [['spec.template.spec.restartPolicy', 'FieldValueNotSupported']] },
  {
    name: 'istio v1 VirtualService validated with the v1beta1 schema',
    type: VIRTUAL_SERVICES,
    obj: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r' }, spec: { hosts: 'reviews', http: [{ route: [{ destination: { host: 5 }, weight: 'x' }] }] } },
    causes: [['spec.hosts', 'FieldValueTypeInvalid'], ['spec.http[0].route[0].destination.host', 'FieldValueTypeInvalid'], ['spec.http[0].route[0].weight', 'FieldValueTypeInvalid']],
  },
  {
    name: 'valid istio VirtualService',
    type: VIRTUAL_SERVICES,
    obj: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r' }, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] } },
    causes: [],
  },
  { name: 'namespace may not be set on a cluster-scoped kind', type: NAMESPACES, obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', namespace: 'x' } }, causes: [['metadata.namespace', 'FieldValueForbidden']] },
];

for (const c of cases) {
  t.test(`validateObject: ${c.name}`, async (t) => {
    const causes = validateObject(c.type, c.obj);
    const got = causes.map((x) => [x.field, x.reason] as [string, string]).sort();
    t.same(got, [...c.causes].sort(), JSON.stringify(causes));
    for (const cause of causes) t.ok(cause.message.length > 0, 'every cause has a message');
  });
}

t.test('RateLimitPolicy is validated by the policy validator', async (t) => {
  const causes = validateObject(RATE_LIMIT_POLICIES, { apiVersion: 'policy.meshlet.dev/v1alpha1', kind: 'RateLimitPolicy', metadata: { name: 'r', namespace: 'default' }, spec: 'nonsense' });
  t.ok(causes.length > 0, JSON.stringify(causes));
});

t.test('toFieldPath converts schema pointers to Kubernetes field paths', async (t) => {
  const table: [string, string | undefined, string][] = [
    ['/spec/ports/0/port', undefined, 'spec.ports[0].port'],
    ['/spec/template/spec/containers/1', 'image', 'spec.template.spec.containers[1].image'],
    ['/metadata/labels/app.kubernetes.io~1name', undefined, 'metadata.labels[app.kubernetes.io/name]'],
    ['', 'spec', 'spec'],
  ];
  for (const [pointer, child, want] of table) t.equal(toFieldPath(pointer, child), want, pointer);
});

t.test('applyDefaults fills what Kubernetes fills, without touching the input', async (t) => {
  const input = svc({ ports: [{ port: 9080, name: 'http' }] });
  const before = JSON.stringify(input);
  const out = applyDefaults(SERVICES, input) as unknown as { spec: Record<string, unknown> };
  t.equal(JSON.stringify(input), before, 'input untouched');
  t.match(out.spec, { type: 'ClusterIP', sessionAffinity: 'None', ports: [{ port: 9080, protocol: 'TCP', targetPort: 9080 }] });

  const d = applyDefaults(DEPLOYMENTS, deploy({ selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } })) as unknown as {
    spec: Record<string, unknown> & { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } };
  };
  t.match(d.spec, { replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
  t.match(d.spec.template.spec, { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' });
  t.match(d.spec.template.spec.containers[0], { imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });

  const tagged = applyDefaults(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] } }) as unknown as {
    metadata: { namespace?: string };
    spec: { containers: Record<string, unknown>[] };
  };
  t.equal(tagged.metadata.namespace, 'default');
  t.match(tagged.spec.containers[0], { imagePullPolicy: 'IfNotPresent', ports: [{ protocol: 'TCP' }] });

  const explicit = applyDefaults(DEPLOYMENTS, deploy({ replicas: 0, strategy: { type: 'Recreate' }, selector: {}, template: { spec: { containers: [] } } })) as unknown as { spec: Record<string, unknown> };
  t.equal(explicit.spec['replicas'], 0, 'explicit zero kept');
  t.same(explicit.spec['strategy'], { type: 'Recreate' }, 'no rollingUpdate for Recreate');
});

t.test('unknownFields finds typos at any depth; free-form maps and opaque objects are not flagged', async (t) => {
  const table: [string, ResourceType, Record<string, unknown>, string[]][] = [
    [
      'deployment typos',
      DEPLOYMENTS,
      deploy({ replica: 3, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', imagePolicy: 'x', ports: [{ containerPort: 80, portName: 'p' }] }] } } }),
      ['spec.replica', 'spec.template.spec.containers[0].imagePolicy', 'spec.template.spec.containers[0].ports[0].portName'],
    ],
    ['label and annotation maps are free-form', CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { anything: 'y' }, annotations: { 'a.b/c': 'd' }, labelz: {} }, data: { k: 'v' } }, ['metadata.labelz']],
    [
      'istio VirtualService typo',
      VIRTUAL_SERVICES,
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r' }, spec: { hosts: ['r'], http: [{ route: [{ destination: { host: 'r', subsett: 'v1' } }], headers: { request: { set: { 'x-a': 'b' } } } }] } },
      ['spec.http[0].route[0].destination.subsett'],
    ],
    ['patch bodies: directives and null deletions are fine', DEPLOYMENTS, { spec: { replica: null, template: { spec: { '$setElementOrder/containers': [{ name: 'c' }], containers: [{ name: 'c', image: 'x' }] } } } }, []],
    ['kinds without a schema report nothing', RATE_LIMIT_POLICIES, { apiVersion: 'policy.meshlet.dev/v1alpha1', kind: 'RateLimitPolicy', metadata: { name: 'r' }, spec: { whatever: 1 } }, []],
  ];
  for (const [name, type, obj, want] of table) t.same(unknownFields(type, obj), want, name);
  t.same(pruneFields({ spec: { a: 1, b: [{ c: 1, d: 2 }] } }, ['spec.a', 'spec.b[0].d']), { spec: { b: [{ c: 1 }] } });
});

t.test('every object in the reference manifests is valid and has no unknown fields', async (t) => {
  const root = REFERENCE_ROOT;
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f));
  let checked = 0;
  for (const file of files) {
    for (const doc of splitYamlDocuments(readFileSync(join(root, file), 'utf8'))) {
      const obj = doc as ObjectInput | null;
      if (!obj || typeof obj !== 'object' || typeof obj.kind !== 'string') continue;
      const type = resourceTypeForKind(String(obj.apiVersion ?? ''), obj.kind);
      if (!type) continue;
      obj.metadata ??= {};
      checked++;
      t.same(unknownFields(type, obj), [], `${file}: ${obj.kind}/${obj.metadata.name}: unknown fields`);
      t.same(validateObject(type, applyDefaults(type, obj)), [], `${file}: ${obj.kind}/${obj.metadata.name}: valid`);
    }
  }
  t.ok(checked >= 40, `checked ${checked} reference objects`);
});
