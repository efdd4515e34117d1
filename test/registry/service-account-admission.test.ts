// The ServiceAccount admission plugin, through the registry's create: the
// kube-api-access volume and mounts Kubernetes adds, and when it does not.

import t from 'tap';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { PODS, SERVICE_ACCOUNTS } from '../../control/api/index.ts';
import type { ObjectInput } from '../../control/api/index.ts';

async function setup() {
  const registry = createRegistry({ store: new MemoryStore() });
  await registry.ensureNamespaces();
  return registry;
}

const pod = (name: string, spec: Record<string, unknown> = {}): ObjectInput => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'app', image: 'x' }], initContainers: [{ name: 'init', image: 'x' }], ...spec },
});

t.test('a pod gets the projected kube-api-access volume mounted read-only in every container', async (t) => {
  const registry = await setup();
  const created = await registry.create(PODS, pod('p'));
  const spec = created.spec!;
  t.equal(spec.serviceAccountName, 'default');
  const volume = spec.volumes?.[0];
  t.match(volume?.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  t.same(volume?.projected, {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  });
  const mount = { name: volume!.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
  t.same(spec.containers[0]?.volumeMounts, [mount]);
  t.same(spec.initContainers?.[0]?.volumeMounts, [mount]);
  const again = await registry.create(PODS, pod('q'));
  t.not(again.spec?.volumes?.[0]?.name, volume?.name, 'the suffix is random per pod');
});

t.test('automountServiceAccountToken: false on the pod or its ServiceAccount, or an existing mount, means no volume', async (t) => {
  const registry = await setup();
  const off = await registry.create(PODS, pod('off', { automountServiceAccountToken: false }));
  t.same(off.spec?.volumes, undefined);
  t.same(off.spec?.containers[0]?.volumeMounts, undefined);

  await registry.create(SERVICE_ACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet', namespace: 'default' }, automountServiceAccountToken: false } as ObjectInput);
  const bySa = await registry.create(PODS, pod('by-sa', { serviceAccountName: 'quiet' }));
  t.same(bySa.spec?.volumes, undefined, 'the ServiceAccount opts out');
  const podWins = await registry.create(PODS, pod('pod-wins', { serviceAccountName: 'quiet', automountServiceAccountToken: true }));
  t.equal(podWins.spec?.volumes?.length, 1, 'the pod\'s own true wins over its ServiceAccount');

  const own = await registry.create(
    PODS,
    pod('own', {
      containers: [{ name: 'app', image: 'x', volumeMounts: [{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }],
      volumes: [{ name: 'mine', emptyDir: {} }],
    }),
  );
  t.same(own.spec?.volumes?.map((v) => v.name), ['mine'], 'a container that mounts the path itself keeps its own');
});
