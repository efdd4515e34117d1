// A cluster with state starts again: up → objects created with real kubectl →
// down (or SIGKILL) → up brings every object back and its pods run again, with
// the file store (--data-dir) and with Redis (--store). Nodes kept from the
// earlier run take taints, labels and cordons; a joined node can join again.

import t from 'tap';
import type { Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, meshlet, spawnMeshlet } from '../helpers/meshlet-cli.ts';
import { httpGet } from '../helpers/http.ts';
import { alive } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';
import { startRedisServer } from '../store/redis-server.ts';

const APP = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  replicas: 1
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello, version: v1 } }
    spec:
      containers:
      - name: hello
        image: docker.io/istio/examples-helloworld-v1
        ports: [{ containerPort: 5000 }]
---
apiVersion: v1
kind: Service
metadata: { name: hello }
spec: { selector: { app: hello }, ports: [{ name: http, port: 5000 }] }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { greeting: hi }
`;

const OBJECTS = ['deployment/hello', 'service/hello', 'configmap/settings'];

interface PodJson {
  metadata: { name: string };
  status?: { phase?: string; podIP?: string };
}

function newHome(t: Test, prefix: string): string {
  const home = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  return home;
}

async function up(t: Test, home: string, storeFlags: string[]): Promise<number> {
  const res = await meshlet(home, ['up', '--detach', '--nodes', '1', ...storeFlags]);
  t.equal(res.code, 0, `up succeeded: ${res.stderr}`);
  const status = await meshlet(home, ['status', '--json']);
  t.equal(status.code, 0, `status sees the detached cluster: ${status.stderr}`);
  return (JSON.parse(status.stdout) as { pid: number }).pid;
}

/** uid of each object, read with kubectl. */
async function uids(home: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const ref of OBJECTS) {
    const res = await kubectl(home, ['get', ref, '-o', 'jsonpath={.metadata.uid}']);
    if (res.code !== 0) throw new Error(`kubectl get ${ref}: ${res.stderr}`);
    out[ref] = res.stdout;
  }
  return out;
}

/** The app's pod is Running and its process answers on the pod IP. */
async function appServes(home: string): Promise<string> {
  return waitFor('the hello pod running and answering', async () => {
    const res = await kubectl(home, ['get', 'pods', '-l', 'app=hello', '-o', 'json']);
    const pods = (JSON.parse(res.stdout) as { items: PodJson[] }).items;
    const pod = pods.find((p) => p.status?.phase === 'Running' && p.status.podIP);
    // Errors, not undefined, so a time-out says what was seen last.
    if (!pod) throw new Error(`no Running hello pod: ${JSON.stringify(pods.map((p) => ({ name: p.metadata.name, status: p.status })))}`);
    const reply = await httpGet(`http://${pod.status!.podIP!}:5000/hello`);
    if (reply.status !== 200) throw new Error(`${pod.status!.podIP!}:5000 answered ${reply.status}: ${reply.body}`);
    return reply.body;
  }, { timeoutMs: 90_000, intervalMs: 500 });
}

async function nodeJson(home: string): Promise<{ spec?: { taints?: { key: string }[]; unschedulable?: boolean }; metadata: { labels?: Record<string, string> }; status?: { nodeInfo?: Record<string, string> } }> {
  const res = await kubectl(home, ['get', 'node', 'node-1', '-o', 'json']);
  if (res.code !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout) as Awaited<ReturnType<typeof nodeJson>>;
}

async function editNodeWithKubectl(t: Test, home: string): Promise<void> {
  const steps: string[][] = [
    ['taint', 'node', 'node-1', 'dedicated=restart:NoSchedule'],
    ['label', 'node', 'node-1', 'tier=gold'],
    ['cordon', 'node-1'],
    ['patch', 'node', 'node-1', '-p', '{"metadata":{"annotations":{"meshlet.test/patched":"yes"}}}'],
  ];
  for (const args of steps) {
    const res = await kubectl(home, args);
    t.equal(res.code, 0, `kubectl ${args.join(' ')}: ${res.stdout.trim()}${res.stderr.trim()}`);
  }
  const node = await nodeJson(home);
  t.ok(node.spec?.taints?.some((x) => x.key === 'dedicated'), 'tainted');
  t.equal(node.metadata.labels?.['tier'], 'gold', 'labelled');
  t.equal(node.spec?.unschedulable, true, 'cordoned');
  const uncordon = await kubectl(home, ['uncordon', 'node-1']);
  t.equal(uncordon.code, 0, `kubectl uncordon: ${uncordon.stderr}`);
  const untaint = await kubectl(home, ['taint', 'node', 'node-1', 'dedicated-']);
  t.equal(untaint.code, 0, `kubectl taint dedicated-: ${untaint.stderr}`);
  const after = await nodeJson(home);
  t.notOk(after.spec?.unschedulable, 'uncordoned');
  t.notOk(after.spec?.taints?.some((x) => x.key === 'dedicated'), 'untainted');
}

async function restartScenario(t: Test, home: string, storeFlags: string[], withKill: boolean): Promise<void> {
  await up(t, home, storeFlags);
  const manifest = join(home, 'app.yaml');
  writeFileSync(manifest, APP);
  const applied = await kubectl(home, ['apply', '-f', manifest]);
  t.equal(applied.code, 0, `kubectl apply: ${applied.stderr}`);
  t.match(await appServes(home), /Hello version: v1/);
  const before = await uids(home);

  const down = await meshlet(home, ['down']);
  t.match(down.stdout, /cluster stopped/);
  await up(t, home, storeFlags);
  t.same(await uids(home), before, 'every object is back after down + up, the same objects');
  t.match(await appServes(home), /Hello version: v1/, 'the pod runs again');
  const info = (await nodeJson(home)).status?.nodeInfo ?? {};
  t.match(info['machineID'], /^[0-9a-f]{32}$/, 'the restarted node reports a complete nodeInfo');
  await editNodeWithKubectl(t, home);

  if (!withKill) return;
  const second = await meshlet(home, ['up', '--detach', '--nodes', '1', ...storeFlags]);
  t.equal(second.code, 1, 'a second up while the cluster runs is refused');
  t.match(second.stderr, /a cluster is already running/);
  const status = JSON.parse((await meshlet(home, ['status', '--json'])).stdout) as { pid: number };
  process.kill(status.pid, 'SIGKILL');
  await waitFor('the killed cluster process gone', () => (alive([status.pid]).length === 0 ? true : undefined), { timeoutMs: 10_000 });
  await up(t, home, storeFlags);
  t.same(await uids(home), before, 'every object is back after SIGKILL + up');
  t.match(await appServes(home), /Hello version: v1/, 'the pod runs again after SIGKILL');
  await editNodeWithKubectl(t, home);
}

t.test('--data-dir: down + up, then SIGKILL + up', async (t) => {
  const home = newHome(t, 'meshlet-restart-file-');
  await restartScenario(t, home, ['--data-dir', join(home, 'data')], true);
});

t.test('--store redis://: down + up, and a node that joins twice', async (t) => {
  const redis = await startRedisServer();
  t.teardown(() => redis.close());
  const home = newHome(t, 'meshlet-restart-redis-');
  await restartScenario(t, home, ['--store', redis.url], false);

  const remote = newHome(t, 'meshlet-restart-remote-');
  for (const round of [1, 2]) {
    const joined = spawnMeshlet(remote, ['node', 'join', '--store', redis.url, '--name', 'again']);
    const exited = new Promise<number | null>((resolve) => joined.child.once('exit', resolve));
    const outcome = await Promise.race([
      waitFor(`join #${round}`, () => /node again joined/.test(joined.output()), { timeoutMs: 60_000 }),
      exited.then((code) => `exited with ${String(code)}`),
    ]);
    t.equal(outcome, true, `join #${round} succeeds: ${joined.output()}`);
    const node = await kubectl(home, ['get', 'node', 'again', '-o', 'jsonpath={.status.nodeInfo.machineID}']);
    t.match(node.stdout, /^[0-9a-f]{32}$/, `join #${round}: the node reports its nodeInfo`);
    const cidrs = await kubectl(home, ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR} {end}']);
    const subnets = cidrs.stdout.trim().split(/\s+/).map((pair) => pair.split('=')[1]);
    t.equal(new Set(subnets).size, subnets.length, `join #${round}: every node has its own pod subnet (${cidrs.stdout.trim()})`);
    const down = await meshlet(remote, ['down']);
    t.match(down.stdout, /node again stopped/);
    await exited;
  }
});
