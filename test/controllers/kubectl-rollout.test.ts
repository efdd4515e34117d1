// The controllers and the scheduler as real kubectl sees them, on a whole
// in-process cluster whose pods are real processes: rolling update with
// `set image` + `rollout status`, `rollout history` / `undo`, FailedScheduling
// in `describe`, foreground and orphan cascades, and namespace deletion.

import t from 'tap';
import type { Pod } from '../../control/api/index.ts';
import { PODS, REPLICA_SETS } from '../../control/api/index.ts';
import { KUBECTL_MISSING, findKubectl, kubectlFor } from '../apiserver/kubectl-runner.ts';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from './cluster.ts';

const YAML = `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 3
  strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: web
        image: example/web:1
        command: ["node", "-e", "require('http').createServer((q, s) => s.end('ok')).listen(8080, process.env.POD_IP)"]
        ports: [{ containerPort: 8080, name: http }]
        # the test cluster runs probes 20x faster; a generous timeout keeps a busy machine from failing them
        readinessProbe: { httpGet: { path: /, port: http }, periodSeconds: 1, timeoutSeconds: 20 }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: http }]
`;

t.test('kubectl drives Deployments, ReplicaSets, scheduling and cascades', { timeout: 180_000 }, async (t) => {
  if (!findKubectl()) throw new Error(KUBECTL_MISSING);
  const cluster = await startCluster({ yaml: YAML, nodes: 2 });
  const kubectl = kubectlFor(cluster.kubeconfigPath);
  t.teardown(async () => {
    kubectl.close();
    await cluster.stop();
  });
  const ok = async (args: string[], timeoutMs = 90_000) => {
    const r = await kubectl.run(['-n', 'shop', ...args], { timeoutMs });
    t.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  t.match(await ok(['rollout', 'status', 'deployment/web', '--timeout=60s']), /deployment "web" successfully rolled out/);
  t.match(await ok(['get', 'serviceaccount', 'default']), /default/);

  await ok(['set', 'image', 'deployment/web', 'web=example/web:2']);
  const rollout = await ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
  t.match(rollout, /successfully rolled out/);
  const pods = (await cluster.client.list<Pod>(PODS, { namespace: 'shop' })).items.filter((p) => !p.metadata.deletionTimestamp);
  t.same(pods.map((p) => p.spec?.containers[0]?.image), ['example/web:2', 'example/web:2', 'example/web:2']);
  t.match(await ok(['rollout', 'history', 'deployment/web']), /1\s+<none>\s*\n2\s+<none>/);
  const rs = await ok(['get', 'rs', '-o', 'custom-columns=NAME:.metadata.name,DESIRED:.spec.replicas,REV:.metadata.annotations.deployment\\.kubernetes\\.io/revision', '--no-headers']);
  t.equal(rs.trim().split('\n').length, 2, 'two ReplicaSets: the new one and the old one kept at 0');
  t.match(rs, /web-\w+\s+0\s+1/);
  t.match(rs, /web-\w+\s+3\s+2/);

  await ok(['rollout', 'undo', 'deployment/web']);
  t.match(await ok(['rollout', 'status', 'deployment/web', '--timeout=60s']), /successfully rolled out/);
  const after = await ok(['get', 'rs', '-o', 'custom-columns=DESIRED:.spec.replicas,REV:.metadata.annotations.deployment\\.kubernetes\\.io/revision', '--no-headers']);
  t.same(after.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).sort(), ['0 2', '3 3'], 'undo reused revision 1 as revision 3');

  // A pod nothing can hold: kubectl describe shows the scheduler's verdict.
  await kubectl.run(['-n', 'shop', 'apply', '-f', '-'], {
    stdin: 'apiVersion: v1\nkind: Pod\nmetadata: { name: huge, namespace: shop }\nspec:\n  containers: [{ name: c, image: example/web:1, resources: { requests: { cpu: "500" } } }]\n',
  });
  const describe = await waitFor('FailedScheduling in describe', async () => {
    const r = await kubectl.run(['-n', 'shop', 'describe', 'pod', 'huge']);
    return /FailedScheduling/.test(r.stdout) ? r.stdout : undefined;
  }, 20_000);
  t.match(describe, /Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/2 nodes are available: 2 Insufficient cpu\./);

  // Orphan: the ReplicaSets survive their Deployment, without the ownerReference.
  await ok(['delete', 'deployment', 'web', '--cascade=orphan']);
  const orphans = await waitFor('ReplicaSets orphaned', async () => {
    const items = (await cluster.client.list(REPLICA_SETS, { namespace: 'shop' })).items;
    return items.length === 2 && items.every((r) => (r.metadata.ownerReferences ?? []).length === 0) ? items : undefined;
  }, 20_000);
  t.equal(orphans.length, 2);

  // Foreground: the ReplicaSet waits for its pods, kubectl waits for the ReplicaSet.
  const live = orphans.find((r) => ((r.spec as { replicas?: number }).replicas ?? 0) > 0)!;
  await ok(['delete', 'rs', live.metadata.name, '--cascade=foreground', '--wait=true', '--timeout=60s']);
  t.notOk(await cluster.client.get(REPLICA_SETS, 'shop', live.metadata.name));
  t.equal((await cluster.client.list<Pod>(PODS, { namespace: 'shop' })).items.filter((p) => p.metadata.labels?.['app'] === 'web').length, 0, 'its pods went first');

  // The namespace takes everything else with it.
  const del = await kubectl.run(['delete', 'namespace', 'shop', '--timeout=60s'], { timeoutMs: 70_000 });
  t.equal(del.code, 0, del.stderr);
  const gone = await kubectl.run(['get', 'namespace', 'shop']);
  t.match(gone.stderr, /NotFound|not found/);
});
