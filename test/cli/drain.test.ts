// kubectl drain against a real `meshlet up`: the documentation's zk-pdb
// (reference/kubernetes-examples/pdb-zookeeper-minavailable.yaml, unchanged)
// over a 3-replica Deployment pinned to one node. Drain cordons the node and
// evicts one pod (the budget allows one disruption); its replacement cannot
// schedule anywhere, so every further eviction gets the 429 and drain retries
// until its --timeout, naming Kubernetes' message. Two pods stay Running;
// uncordon lets the replacement start.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, meshlet } from '../helpers/meshlet-cli.ts';
import { REFERENCE_ROOT } from '../helpers/reference.ts';
import { waitFor } from '../helpers/wait.ts';

const PDB = join(REFERENCE_ROOT, 'kubernetes-examples', 'pdb-zookeeper-minavailable.yaml');

// The docs pair zk-pdb with a zookeeper StatefulSet; its selector is app.kubernetes.io/name.
const deployment = (node: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: zookeeper, labels: { app: zookeeper } }
spec:
  replicas: 3
  selector: { matchLabels: { app: zookeeper } }
  template:
    metadata: { labels: { app: zookeeper, app.kubernetes.io/name: zookeeper } }
    spec:
      nodeSelector: { kubernetes.io/hostname: ${node} }
      terminationGracePeriodSeconds: 2
      containers:
      - name: zk
        image: busybox
        command: ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`;

interface PodRow { name: string; node: string | undefined; phase: string | undefined; deleting: boolean }

async function zkPods(home: string): Promise<PodRow[]> {
  const r = await kubectl(home, ['get', 'pods', '-l', 'app=zookeeper', '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  const items = (JSON.parse(r.stdout) as { items: { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status: { phase?: string } }[] }).items;
  return items.map((p) => ({ name: p.metadata.name, node: p.spec.nodeName, phase: p.status.phase, deleting: Boolean(p.metadata.deletionTimestamp) }));
}

t.test('a PodDisruptionBudget stops kubectl drain; uncordon lets the pods back', { timeout: 300_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-drain-'));
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  const up = await meshlet(home, ['up', '--detach', '--nodes', '2']);
  t.equal(up.code, 0, `up: ${up.stderr}`);
  const nodes = await kubectl(home, ['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']);
  const [target] = nodes.stdout.trim().split(/\s+/);
  t.ok(target, `a node to drain (${nodes.stdout})`);

  const manifest = join(home, 'zookeeper.yaml');
  writeFileSync(manifest, deployment(target!));
  const applied = await kubectl(home, ['apply', '-f', manifest, '-f', PDB]);
  t.equal(applied.code, 0, `apply: ${applied.stderr}`);
  await waitFor('3 zookeeper pods Running', async () => (await zkPods(home)).filter((p) => p.phase === 'Running').length === 3, { timeoutMs: 90_000, intervalMs: 500 });
  await waitFor('zk-pdb allowing one disruption', async () => {
    const r = await kubectl(home, ['get', 'pdb', 'zk-pdb', '-o', 'jsonpath={.status.disruptionsAllowed}/{.status.currentHealthy}/{.status.desiredHealthy}']);
    return r.stdout === '1/3/2';
  }, { timeoutMs: 60_000, intervalMs: 500 });
  const table = await kubectl(home, ['get', 'pdb']);
  t.match(table.stdout, /NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nzk-pdb\s+2\s+N\/A\s+1\s+\S+/, 'kubectl get pdb columns');

  const drain = await kubectl(home, ['drain', target!, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=12s'], 120_000);
  t.not(drain.code, 0, 'drain fails');
  const output = drain.stdout + drain.stderr;
  t.match(output, new RegExp(`node/${target} cordoned`));
  t.match(output, /evicting pod default\/zookeeper-/);
  t.match(output, /error when evicting pods\/"zookeeper-[^"]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
  t.match(output, /global timeout reached: 12s/);
  const after = await zkPods(home);
  t.ok(after.filter((p) => p.phase === 'Running' && !p.deleting && p.node === target).length >= 2, `at least 2 zookeeper pods stay Running: ${JSON.stringify(after)}`);
  t.ok(after.some((p) => p.phase === 'Pending'), 'the evicted pod\'s replacement waits, the node being cordoned');
  const cordoned = await kubectl(home, ['get', 'node', target!, '-o', 'jsonpath={.spec.unschedulable}']);
  t.equal(cordoned.stdout, 'true');

  const uncordon = await kubectl(home, ['uncordon', target!]);
  t.equal(uncordon.code, 0, uncordon.stderr);
  t.match(uncordon.stdout, new RegExp(`node/${target} uncordoned`));
  await waitFor('3 zookeeper pods Running again', async () => (await zkPods(home)).filter((p) => p.phase === 'Running' && !p.deleting).length === 3, { timeoutMs: 90_000, intervalMs: 500 });
});
