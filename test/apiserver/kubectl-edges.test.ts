// kubectl paths beyond the happy path, against an API server over a bare
// registry: kinds the server does not serve fail like on Kubernetes,
// `get all` expands the category, `auth can-i` answers, and a typo in a
// manifest is rejected by server-side field validation.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { startApiServer, kubeconfigFor } from '../../control/apiserver/index.ts';
import { findKubectl, KUBECTL_MISSING, kubectlFor } from './kubectl-runner.ts';

const ROUTE = join(process.cwd(), '..', 'shared', 'reference', 'istio-samples', 'bookinfo', 'gateway-api', 'route-reviews-v1.yaml');

if (!findKubectl()) {
  t.fail(KUBECTL_MISSING);
} else {
  t.test('kubectl edge paths', { timeout: 120_000 }, async (t) => {
    const registry = createRegistry({ store: new MemoryStore() });
    await registry.ensureNamespaces();
    const server = await startApiServer({ client: registry, token: 'edge-token' });
    const dir = mkdtempSync(join(tmpdir(), 'meshlet-kubectl-edges-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor({ server: server.url, token: 'edge-token', caData: server.caData }));
    const kubectl = kubectlFor(kubeconfig);
    t.teardown(async () => {
      kubectl.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const unserved = await kubectl.run(['apply', '-f', ROUTE]);
    t.not(unserved.code, 0);
    t.match(unserved.stderr, /no matches for kind "HTTPRoute" in version "gateway\.networking\.k8s\.io\/v1"/, 'the Kubernetes error, not an OpenAPI download failure');

    const typo = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndatta:\n  a: "1"\n';
    const strict = await kubectl.run(['apply', '-f', '-'], { stdin: typo });
    t.not(strict.code, 0);
    t.match(strict.stderr, /strict decoding error: unknown field "datta"/);
    const warned = await kubectl.run(['apply', '--validate=warn', '-f', '-'], { stdin: typo });
    t.equal(warned.code, 0, warned.stderr);
    t.match(warned.stderr, /Warning: unknown field "datta"/);

    t.equal((await kubectl.run(['create', 'deployment', 'web', '--image=nginx'])).code, 0);
    t.equal((await kubectl.run(['create', 'service', 'clusterip', 'web', '--tcp=80'])).code, 0);
    const all = await kubectl.run(['get', 'all']);
    t.equal(all.code, 0, all.stderr);
    t.match(all.stdout, /service\/web\s+ClusterIP/);
    t.match(all.stdout, /deployment\.apps\/web\s+0\/1/);

    const can = await kubectl.run(['auth', 'can-i', 'delete', 'pods']);
    t.equal(can.stdout.trim(), 'yes');
  });
}
