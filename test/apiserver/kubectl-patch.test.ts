// kubectl patch as users run it, against an API server over a bare registry:
// 20 concurrent merge patches of different keys all succeed, and a patch
// carrying a stale metadata.resourceVersion fails with Kubernetes' Conflict.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { startApiServer, kubeconfigFor } from '../../control/apiserver/index.ts';
import { CONFIG_MAPS } from '../../control/api/index.ts';
import type { KubeObject } from '../../control/api/index.ts';
import { findKubectl, KUBECTL_MISSING, kubectlFor } from './kubectl-runner.ts';

if (!findKubectl()) {
  t.fail(KUBECTL_MISSING);
} else {
  t.test('kubectl patch: concurrent patches all land; a stale resourceVersion is a Conflict', { timeout: 180_000 }, async (t) => {
    const registry = createRegistry({ store: new MemoryStore() });
    await registry.ensureNamespaces();
    const server = await startApiServer({ client: registry, token: 'patch-token' });
    const dir = mkdtempSync(join(tmpdir(), 'meshlet-kubectl-patch-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor({ server: server.url, token: 'patch-token', caData: server.caData }));
    const kubectl = kubectlFor(kubeconfig);
    t.teardown(async () => {
      kubectl.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const created = await registry.create(CONFIG_MAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'default' }, data: { seed: '0' } });
    // Warm kubectl's discovery cache once so the 20 patches race each other, not discovery.
    t.equal((await kubectl.run(['get', 'configmap', 'shared'])).code, 0);

    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => kubectl.run(['patch', 'configmap', 'shared', '--type', 'merge', '-p', JSON.stringify({ data: { [`k${i}`]: String(i) } })], { timeoutMs: 120_000 })),
    );
    t.same(runs.map((r) => r.code), Array.from({ length: 20 }, () => 0), runs.map((r) => r.stderr).filter(Boolean).join(''));
    const cm = (await registry.get<KubeObject & { data: Record<string, string> }>(CONFIG_MAPS, 'default', 'shared'))!;
    t.equal(Object.keys(cm.data).filter((k) => /^k\d+$/.test(k)).length, 20, 'every key is stored');

    const stale = await kubectl.run(['patch', 'configmap', 'shared', '--type', 'merge', '-p', JSON.stringify({ metadata: { resourceVersion: created.metadata.resourceVersion }, data: { late: 'yes' } })]);
    t.not(stale.code, 0);
    t.match(stale.stderr, /Error from server \(Conflict\): Operation cannot be fulfilled on configmaps "shared": the object has been modified; please apply your changes to the latest version and try again/);
    t.equal((await registry.get<KubeObject & { data: Record<string, string> }>(CONFIG_MAPS, 'default', 'shared'))!.data['late'], undefined);
  });
}
