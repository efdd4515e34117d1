// The patch algorithms: RFC 6902 JSON patch, RFC 7386 merge patch, strategic
// merge (merge keys and directives, as kubectl sends them) and server-side
// apply (ownership, removal of dropped fields, conflicts, force).

import t from 'tap';
import type * as Tap from 'tap';
import { CONFIG_MAPS, DEPLOYMENTS, SERVICES, VIRTUAL_SERVICES, ApiError } from '../../control/api/index.ts';
import type { KubeObject } from '../../control/api/index.ts';
import { applyPatch, applyJsonPatch, applyMergePatch, applyStrategicMergePatch, recordUpdateManager } from '../../control/registry/patch/index.ts';

/** Runs fn, which must throw an ApiError with this reason whose message matches. */
function throwsApi(t: Tap.Test, fn: () => unknown, reason: string, message: RegExp): void {
  try {
    fn();
    t.fail(`expected ${reason} matching ${message}`);
  } catch (err) {
    t.ok(err instanceof ApiError, 'an ApiError');
    t.equal((err as ApiError).reason, reason, String(message));
    t.match((err as Error).message, message);
  }
}

function live<T extends object>(obj: T): KubeObject {
  const o = obj as unknown as KubeObject;
  const identity = { uid: 'u1', resourceVersion: '5', creationTimestamp: '2026-01-01T00:00:00Z' };
  return { ...o, metadata: { ...identity, ...o.metadata } } as KubeObject;
}

const deployment = live({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, finalizers: ['a'] },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80 }] },
          { name: 'sidecar', image: 'proxy:1' },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
});

t.test('JSON patch: ops, pointers and precise errors', async (t) => {
  const doc = { a: { b: [1, 2, 3] }, 'x/y': { '~k': 1 } };
  t.same(applyJsonPatch(doc, [{ op: 'add', path: '/a/b/1', value: 9 }]), { a: { b: [1, 9, 2, 3] }, 'x/y': { '~k': 1 } });
  t.same(applyJsonPatch(doc, [{ op: 'add', path: '/a/b/-', value: 4 }]), { a: { b: [1, 2, 3, 4] }, 'x/y': { '~k': 1 } });
  t.same(applyJsonPatch(doc, [{ op: 'remove', path: '/x~1y/~0k' }]), { a: { b: [1, 2, 3] }, 'x/y': {} });
  t.same(applyJsonPatch(doc, [{ op: 'replace', path: '/a/b/0', value: 'z' }]), { a: { b: ['z', 2, 3] }, 'x/y': { '~k': 1 } });
  t.same(applyJsonPatch(doc, [{ op: 'move', from: '/a/b', path: '/c' }]), { a: {}, 'x/y': { '~k': 1 }, c: [1, 2, 3] });
  t.same(applyJsonPatch(doc, [{ op: 'copy', from: '/a/b/2', path: '/d' }, { op: 'test', path: '/d', value: 3 }]), { a: { b: [1, 2, 3] }, 'x/y': { '~k': 1 }, d: 3 });
  t.same(doc, { a: { b: [1, 2, 3] }, 'x/y': { '~k': 1 } }, 'input untouched');
  const failures: [unknown, RegExp][] = [
    [[{ op: 'replace', path: '/nope/x', value: 1 }], /replace operation at "\/nope\/x" \(index 0\): path segment "nope" does not exist/],
    [[{ op: 'test', path: '/a/b/0', value: 7 }], /test failed/],
    [[{ op: 'add', path: '/a/b/9', value: 1 }], /out of range/],
    [[{ op: 'frobnicate', path: '/a' }], /unknown op "frobnicate"/],
    [[{ op: 'add', path: 'a' , value: 1 }], /must start with "\/"/],
  ];
  for (const [patch, message] of failures) {
    throwsApi(t, () => applyJsonPatch(doc, patch), 'Invalid', message);
  }
  throwsApi(t, () => applyJsonPatch(doc, { op: 'add' }), 'BadRequest', /must be a JSON array/);
});

t.test('merge patch: null deletes, arrays replace', async (t) => {
  t.same(applyMergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { a: null, b: { c: 5 }, l: [3] }), { b: { c: 5, d: 3 }, l: [3] });
  t.same(applyMergePatch({ a: 1 }, 'x'), 'x');
});

t.test('strategic merge: lists merge by their patchMergeKey', async (t) => {
  const out = applyStrategicMergePatch('Deployment', deployment, {
    spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2', env: [{ name: 'C', value: '3' }] }] } } },
  }) as typeof deployment & { spec: { template: { spec: { containers: { name: string; image: string; env?: { name: string }[] }[] } } } };
  const containers = out.spec.template.spec.containers;
  t.same(containers.map((c) => `${c.name}=${c.image}`), ['app=app:2', 'sidecar=proxy:1'], 'containers merged by name');
  t.same(containers[0]!.env!.map((e) => e.name), ['A', 'B', 'C'], 'env merged by name');
});

t.test('strategic merge: directives kubectl sends', async (t) => {
  type D = { metadata: { finalizers: string[]; labels?: Record<string, string> }; spec: { strategy: Record<string, unknown>; template: { spec: { containers: { name: string; env?: { name: string }[] }[]; volumes?: unknown[] } } } };
  const out = applyStrategicMergePatch('Deployment', deployment, {
    metadata: { finalizers: ['b'], labels: { app: null } },
    spec: {
      strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null },
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }],
          containers: [{ name: 'app', '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }], env: [{ name: 'A', $patch: 'delete' }] }],
          volumes: [{ $patch: 'replace' }, { name: 'other', emptyDir: {} }],
        },
      },
    },
  }) as unknown as D;
  t.same(out.metadata.finalizers, ['a', 'b'], 'finalizers are a merged set');
  t.same(out.metadata.labels, {}, 'null deletes a map key');
  t.same(out.spec.strategy, { type: 'Recreate' }, '$retainKeys drops other keys');
  t.same(out.spec.template.spec.containers.map((c) => c.name), ['sidecar', 'app'], '$setElementOrder reorders');
  t.same(out.spec.template.spec.containers[1]!.env!.map((e) => e.name), ['B'], '$patch: delete removes a keyed item');
  t.same(out.spec.template.spec.volumes, [{ name: 'other', emptyDir: {} }], '$patch: replace replaces the list');
  throwsApi(t, () => applyStrategicMergePatch('Deployment', deployment, { spec: { $patch: 'explode' } }), 'BadRequest', /unknown \$patch directive/);
  throwsApi(t, () => applyStrategicMergePatch('Deployment', deployment, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }), 'BadRequest', /missing its merge key "name"/);
});

t.test('strategic merge: Service ports merge by port; unknown lists replace', async (t) => {
  const svc = live({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https' }], externalIPs: ['1.2.3.4'] } });
  const out = applyPatch(SERVICES, svc, 'strategic', { spec: { ports: [{ port: 80, targetPort: 8080 }], externalIPs: ['5.6.7.8'] } }, {}) as unknown as { spec: { ports: { port: number; targetPort?: number }[]; externalIPs: string[] } };
  t.same(out.spec.ports, [{ port: 80, name: 'http', targetPort: 8080 }, { port: 443, name: 'https' }]);
  t.same(out.spec.externalIPs, ['5.6.7.8']);
});

t.test('applyPatch: media-type errors and string bodies', async (t) => {
  const vs = live({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r' }, spec: { hosts: ['r'] } });
  throwsApi(t, () => applyPatch(VIRTUAL_SERVICES, vs, 'strategic', { spec: {} }, {}), 'UnsupportedMediaType', /not supported for VirtualService/);
  throwsApi(t, () => applyPatch(CONFIG_MAPS, vs, 'merge', '{"data": ', {}), 'BadRequest', /not valid JSON/);
  throwsApi(t, () => applyPatch(CONFIG_MAPS, vs, 'merge', [1], {}), 'BadRequest', /must be a JSON object/);
  throwsApi(t, () => applyPatch(CONFIG_MAPS, undefined, 'merge', {}, {}), 'NotFound', /not found/);
  const out = applyPatch(CONFIG_MAPS, live({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } }), 'merge', '{"data":{"b":"2"}}', {});
  t.same(out['data'], { a: '1', b: '2' });
});

t.test('server-side apply: ownership, removal, conflicts and force', async (t) => {
  const applied = (replicas: number, withLabel: boolean) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\n${withLabel ? '  labels:\n    team: a\n' : ''}spec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: app\n        image: app:1\n`;
  throwsApi(t, () => applyPatch(DEPLOYMENTS, undefined, 'apply', applied(1, true), {}), 'BadRequest', /fieldManager is required/);
  const created = applyPatch(DEPLOYMENTS, undefined, 'apply', applied(1, true), { fieldManager: 'alice' });
  const entries = created.metadata.managedFields as { manager: string; operation: string; fieldsV1: Record<string, unknown> }[];
  t.equal(entries.length, 1);
  t.match(entries[0], { manager: 'alice', operation: 'Apply' });
  t.ok((entries[0]!.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas'], 'alice owns spec.replicas');
  const stored = live(created);

  const again = applyPatch(DEPLOYMENTS, stored, 'apply', applied(1, false), { fieldManager: 'alice' });
  t.notOk(again.metadata.labels?.['team'], 'a field alice stopped applying is removed');

  let conflict: ApiError | undefined;
  try {
    applyPatch(DEPLOYMENTS, stored, 'apply', applied(3, true), { fieldManager: 'bob' });
  } catch (err) {
    conflict = err as ApiError;
  }
  t.equal(conflict?.reason, 'Conflict');
  t.equal(conflict?.httpStatus, 409);
  t.match(conflict?.message, /conflict with "alice": \.spec\.replicas/);
  t.same(conflict?.details?.causes?.map((c) => c.field), ['.spec.replicas']);

  const sameValue = applyPatch(DEPLOYMENTS, stored, 'apply', applied(1, true), { fieldManager: 'bob' });
  t.equal((sameValue.metadata.managedFields as unknown[]).length, 2, 'same values are shared ownership, no conflict');

  const forced = applyPatch(DEPLOYMENTS, stored, 'apply', applied(3, true), { fieldManager: 'bob', force: true });
  t.equal((forced['spec'] as { replicas: number }).replicas, 3);
  const alice = (forced.metadata.managedFields as { manager: string; fieldsV1: Record<string, Record<string, unknown>> }[]).find((e) => e.manager === 'alice');
  t.notOk(alice?.fieldsV1['f:spec']?.['f:replicas'], 'force moves ownership away from alice');
});

t.test('recordUpdateManager: ownership moves to whoever changes a field; explicit managedFields edits are taken as given', async (t) => {
  const time = '2026-01-01T00:00:00Z';
  const input = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1', b: '2' } };
  const created = live(recordUpdateManager(CONFIG_MAPS, undefined, input, 'alice', time));
  const entries = (o: { metadata: { managedFields?: unknown[] } }) => o.metadata.managedFields as { manager: string; operation: string; fieldsV1: { 'f:data'?: Record<string, unknown> } }[];
  t.same(Object.keys(entries(created)[0]!.fieldsV1['f:data']!).sort(), ['f:a', 'f:b']);
  const changed = recordUpdateManager(CONFIG_MAPS, created, { ...created, data: { a: '9', b: '2' } }, 'bob', time);
  const alice = entries(changed).find((e) => e.manager === 'alice')!;
  const bob = entries(changed).find((e) => e.manager === 'bob')!;
  t.same(Object.keys(alice.fieldsV1['f:data']!), ['f:b']);
  t.same(Object.keys(bob.fieldsV1['f:data']!), ['f:a']);
  const handEdited = [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }];
  const upgraded = recordUpdateManager(CONFIG_MAPS, created, { ...created, metadata: { ...created.metadata, managedFields: handEdited } }, 'kubectl', time);
  t.same(upgraded.metadata.managedFields, handEdited);
});
