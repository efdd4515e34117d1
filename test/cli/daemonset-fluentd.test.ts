// Kubernetes' DaemonSet example (controllers/daemonset.yaml: fluentd-elasticsearch in
// kube-system), unchanged, with the real kubectl against `meshlet up`: a pod on every
// node, one more on a node joined with `meshlet node join`, `kubectl get ds` columns,
// a rolling image update that `kubectl rollout status` follows to the end, and
// `kubectl rollout undo` back to the first revision.

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../store/redis-server.ts';
import { REFERENCE_ROOT } from '../helpers/reference.ts';
import { kubectl, meshlet, spawnMeshlet } from '../helpers/meshlet-cli.ts';
import { waitFor } from '../helpers/wait.ts';

const MANIFEST = join(REFERENCE_ROOT, 'kubernetes-examples', 'daemonset-fluentd.yaml');

interface PodList {
  items: { metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string }; spec: { nodeName?: string; containers: { image: string }[] }; status?: { phase?: string } }[];
}

async function runningPodsByNode(home: string): Promise<Map<string, PodList['items'][number]>> {
  const res = await kubectl(home, ['get', 'pods', '-n', 'kube-system', '-l', 'name=fluentd-elasticsearch', '-o', 'json']);
  const out = new Map<string, PodList['items'][number]>();
  if (res.code !== 0) return out;
  for (const pod of (JSON.parse(res.stdout) as PodList).items) {
    if (pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp && pod.spec.nodeName) out.set(pod.spec.nodeName, pod);
  }
  return out;
}

t.test('fluentd-elasticsearch runs on every node, joined ones included, and rolls out', { timeout: 420_000 }, async (t) => {
  const redis = await startRedisServer();
  const plane = mkdtempSync(join(tmpdir(), 'meshlet-ds-plane-'));
  const remote = mkdtempSync(join(tmpdir(), 'meshlet-ds-remote-'));
  t.teardown(async () => {
    await meshlet(remote, ['down']);
    await meshlet(plane, ['down']);
    await redis.close();
    rmSync(plane, { recursive: true, force: true });
    rmSync(remote, { recursive: true, force: true });
  });
  const up = await meshlet(plane, ['up', '--detach', '--nodes', '2', '--store', redis.url]);
  t.equal(up.code, 0, `up: ${up.stderr}`);

  const applied = await kubectl(plane, ['apply', '-f', MANIFEST]);
  t.equal(applied.code, 0, applied.stderr);
  t.match(applied.stdout, /daemonset\.apps\/fluentd-elasticsearch created/);
  const nodes = (await kubectl(plane, ['get', 'nodes', '-o', 'name'])).stdout.trim().split('\n').map((n) => n.replace('node/', '')).sort();
  t.equal(nodes.length, 2);
  const first = await waitFor('a running fluentd pod on both nodes', async () => {
    const byNode = await runningPodsByNode(plane);
    return nodes.every((n) => byNode.has(n)) ? byNode : undefined;
  }, { timeoutMs: 90_000, intervalMs: 500 });
  t.equal(first.size, 2, 'exactly one per node');

  const joined = spawnMeshlet(remote, ['node', 'join', '--store', redis.url, '--name', 'remote']);
  t.teardown(() => void joined.child.kill('SIGTERM'));
  await waitFor('the node to join', () => /node remote joined/.test(joined.output()), { timeoutMs: 60_000 });
  const all = await waitFor('a running fluentd pod on the joined node', async () => {
    const byNode = await runningPodsByNode(plane);
    return byNode.has('remote') && byNode.size === 3 ? byNode : undefined;
  }, { timeoutMs: 90_000, intervalMs: 500 });
  t.same([...all.keys()].sort(), [...nodes, 'remote'].sort());

  const table = await waitFor('kubectl get ds showing 3 available', async () => {
    const res = await kubectl(plane, ['get', 'ds', '-n', 'kube-system']);
    return /fluentd-elasticsearch\s+3\s+3\s+3\s+3\s+3\s+<none>\s+\S+/.test(res.stdout) ? res.stdout : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  t.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE/m);
  const status = await kubectl(plane, ['rollout', 'status', 'ds/fluentd-elasticsearch', '-n', 'kube-system', '--timeout=60s']);
  t.equal(status.code, 0, status.stderr);
  t.match(status.stdout, /daemon set "fluentd-elasticsearch" successfully rolled out/);

  const setImage = await kubectl(plane, ['set', 'image', 'ds/fluentd-elasticsearch', '-n', 'kube-system', 'fluentd-elasticsearch=registry.k8s.io/fluentd-elasticsearch:1.21']);
  t.equal(setImage.code, 0, setImage.stderr);
  const rolled = await kubectl(plane, ['rollout', 'status', 'ds/fluentd-elasticsearch', '-n', 'kube-system', '--timeout=180s'], 200_000);
  t.equal(rolled.code, 0, rolled.stderr);
  t.match(rolled.stdout, /successfully rolled out/);
  const after = await runningPodsByNode(plane);
  t.equal(after.size, 3);
  t.ok([...after.values()].every((p) => p.spec.containers[0]?.image === 'registry.k8s.io/fluentd-elasticsearch:1.21'), 'every node runs the new image');
  const revisions = await kubectl(plane, ['get', 'controllerrevisions', '-n', 'kube-system']);
  t.match(revisions.stdout, /fluentd-elasticsearch-\S+\s+daemonset\.apps\/fluentd-elasticsearch\s+2\s+/, 'the new revision is number 2');

  // kubectl's DaemonSet rollback applies the previous ControllerRevision's data as a patch.
  const history = await kubectl(plane, ['rollout', 'history', 'ds/fluentd-elasticsearch', '-n', 'kube-system']);
  t.match(history.stdout, /REVISION\s+CHANGE-CAUSE[\s\S]*^1\s[\s\S]*^2\s/m, 'rollout history lists both revisions');
  const undo = await kubectl(plane, ['rollout', 'undo', 'ds/fluentd-elasticsearch', '-n', 'kube-system']);
  t.equal(undo.code, 0, undo.stderr);
  t.match(undo.stdout, /rolled back/);
  const back = await kubectl(plane, ['rollout', 'status', 'ds/fluentd-elasticsearch', '-n', 'kube-system', '--timeout=180s'], 200_000);
  t.equal(back.code, 0, back.stderr);
  const undone = await runningPodsByNode(plane);
  t.ok(undone.size === 3 && [...undone.values()].every((p) => p.spec.containers[0]?.image === 'k8s.gcr.io/fluentd-elasticsearch:1.20'), 'every node runs the original image again');
});
