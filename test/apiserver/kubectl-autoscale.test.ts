// `kubectl autoscale` (which in 1.32 posts autoscaling/v1 as protobuf) and
// `kubectl get hpa` against the API server, with real kubectl.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../control/store/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { startApiServer, kubeconfigFor } from '../../control/apiserver/index.ts';
import { findKubectl, KUBECTL_MISSING, kubectlFor } from './kubectl-runner.ts';

if (!findKubectl()) {
  t.fail(KUBECTL_MISSING);
} else {
  t.test('kubectl autoscale creates the HPA its --dry-run form shows; get hpa prints kubectl columns', { timeout: 120_000 }, async (t) => {
    const registry = createRegistry({ store: new MemoryStore() });
    await registry.ensureNamespaces();
    const server = await startApiServer({ client: registry, token: 'hpa-token' });
    const dir = mkdtempSync(join(tmpdir(), 'meshlet-autoscale-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor({ server: server.url, token: 'hpa-token', caData: server.caData }));
    const kubectl = kubectlFor(kubeconfig);
    t.teardown(async () => {
      kubectl.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    t.equal((await kubectl.run(['create', 'deployment', 'php-apache', '--image=registry.k8s.io/hpa-example'])).code, 0);
    const args = ['autoscale', 'deployment', 'php-apache', '--cpu-percent=50', '--min=1', '--max=10'];
    const printed = await kubectl.run([...args, '--dry-run=client', '-o', 'json']);
    t.equal(printed.code, 0, printed.stderr);
    const expected = JSON.parse(printed.stdout) as { metadata: Record<string, unknown>; status?: unknown };
    delete expected.metadata['creationTimestamp'];
    delete expected.status;
    const created = await kubectl.run(args);
    t.equal(created.code, 0, created.stderr);
    t.match(created.stdout, 'horizontalpodautoscaler.autoscaling/php-apache autoscaled');
    const v1 = await kubectl.run(['get', '--raw', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/php-apache']);
    t.match(JSON.parse(v1.stdout), expected, 'the v1 view equals what kubectl sent');
    const v2 = JSON.parse((await kubectl.run(['get', 'hpa', 'php-apache', '-o', 'json'])).stdout) as Record<string, unknown>;
    t.match(v2, { apiVersion: 'autoscaling/v2', spec: { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] } });
    const table = await kubectl.run(['get', 'hpa']);
    t.match(table.stdout, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\s*\nphp-apache\s+Deployment\/php-apache\s+cpu: <unknown>\/50%\s+1\s+10\s+0\s+\S+/);
    const bad = await kubectl.run(['patch', 'hpa', 'php-apache', '--type=merge', '-p', '{"spec":{"maxReplicas":0}}']);
    t.not(bad.code, 0);
    t.match(bad.stderr, /spec.maxReplicas: Invalid value: 0: must be greater than 0/);
  });
}
