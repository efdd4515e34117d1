// Acceptance: an unmodified @kubernetes/client-node program works against the
// API server — list, an informer (list + watch), create and patch.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, AppsV1Api, KubeConfig, PatchStrategy, makeInformer, setHeaderOptions } from '@kubernetes/client-node';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { startApiServer, kubeconfigFor } from '../../control/apiserver/index.ts';
import { waitFor } from '../helpers/wait.ts';

t.test('@kubernetes/client-node: list, informer, create, patch', async (t) => {
  const registry = createRegistry({ store: new MemoryStore() });
  await registry.ensureNamespaces();
  const server = await startApiServer({ client: registry, token: 'client-node-token' });
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-client-node-'));
  t.teardown(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, kubeconfigFor({ server: server.url, token: 'client-node-token', caData: server.caData }));
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  t.equal(kc.getCurrentContext(), 'meshlet');
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);

  const namespaces = await core.listNamespace();
  t.ok(namespaces.items.some((n) => n.metadata?.name === 'kube-system'), 'list namespaces');

  const informer = makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
  const seen: string[] = [];
  informer.on('add', (cm: V1ConfigMap) => seen.push(`add:${cm.metadata?.name}`));
  informer.on('update', (cm: V1ConfigMap) => seen.push(`update:${cm.metadata?.name}:${cm.data?.['k']}`));
  informer.on('delete', (cm: V1ConfigMap) => seen.push(`delete:${cm.metadata?.name}`));
  await informer.start();

  const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings' }, data: { k: '1' } } });
  t.ok(created.metadata?.uid, 'create returns the stored object');
  await waitFor('informer add', () => seen.includes('add:settings'));

  const patched = await core.patchNamespacedConfigMap(
    { name: 'settings', namespace: 'default', body: { data: { k: '2' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.equal(patched.data?.['k'], '2');
  await waitFor('informer update', () => seen.includes('update:settings:2'));
  t.equal(informer.get('settings', 'default')?.data?.['k'], '2', 'informer cache follows');

  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: {
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } } },
    },
  });
  const smp = await apps.patchNamespacedDeployment(
    { name: 'web', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.equal(smp.spec?.template.spec?.containers[0]?.image, 'app:2');
  t.equal(smp.spec?.strategy?.type, 'RollingUpdate', 'defaults visible to clients');

  const list = await apps.listNamespacedDeployment({ namespace: 'default', labelSelector: 'missing=label' });
  t.equal(list.items.length, 0);

  await core.deleteNamespacedConfigMap({ name: 'settings', namespace: 'default' });
  await waitFor('informer delete', () => seen.includes('delete:settings'));

  let notFound: unknown;
  try {
    await core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' });
  } catch (err) {
    notFound = err;
  }
  t.equal((notFound as { code?: number } | undefined)?.code, 404, 'errors carry the HTTP code');
  await informer.stop();
});
