// A control plane keeping its state in Redis, and a node agent in another
// process joined to it with `meshlet node join`: the scheduler places a pod on
// the joined node, the pod runs there with an IP from that node's subnet, and
// the control plane's Service VIP reaches it. `meshlet down` in the node's home
// stops the node and its containers.

import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../store/redis-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { MESHLET_BIN as BIN, meshlet } from '../helpers/meshlet-cli.ts';
import { httpGet } from '../helpers/http.ts';
import { alive, processTree } from '../helpers/processes.ts';

const APP = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello-remote }
spec:
  replicas: 1
  selector: { matchLabels: { app: hello-remote } }
  template:
    metadata: { labels: { app: hello-remote, version: v1 } }
    spec:
      nodeSelector: { kubernetes.io/hostname: remote }
      containers:
      - name: hello
        image: docker.io/istio/examples-helloworld-v1
        ports: [{ containerPort: 5000 }]
---
apiVersion: v1
kind: Service
metadata: { name: hello-remote }
spec: { selector: { app: hello-remote }, ports: [{ port: 5000 }] }
`;

interface PodJson {
  metadata: { name: string };
  spec: { nodeName?: string };
  status?: { phase?: string; podIP?: string };
}

t.test('node join attaches a second process to a Redis-backed control plane', async (t) => {
  const redis = await startRedisServer();
  const plane = mkdtempSync(join(tmpdir(), 'meshlet-plane-'));
  const remote = mkdtempSync(join(tmpdir(), 'meshlet-remote-'));
  t.teardown(async () => {
    await meshlet(remote, ['down']);
    await meshlet(plane, ['down']);
    await redis.close();
    rmSync(plane, { recursive: true, force: true });
    rmSync(remote, { recursive: true, force: true });
  });

  const noPlane = await meshlet(remote, ['node', 'join', '--store', redis.url, '--name', 'early']);
  t.equal(noPlane.code, 1, 'joining before any control plane fails');
  t.match(noPlane.stderr, /no meshlet control plane/);

  const up = await meshlet(plane, ['up', '--detach', '--nodes', '1', '--store', redis.url]);
  t.equal(up.code, 0, up.stderr);

  const joined = spawn(process.execPath, [BIN, 'node', 'join', '--store', redis.url, '--name', 'remote'], {
    env: { ...process.env, MESHLET_HOME: remote },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  joined.stdout.on('data', (d: Buffer) => (out += d.toString()));
  joined.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const subnet = await waitFor('the node to join', () => out.match(/node remote joined \(pod subnet (127\.\d+\.\d+)\.0\/\d+/)?.[1], { timeoutMs: 30_000 });

  const nodes = await meshlet(plane, ['get', 'nodes']);
  t.match(nodes.stdout, /remote\s+Ready/, 'the control plane sees the joined node Ready');

  const manifest = join(plane, 'app.yaml');
  writeFileSync(manifest, APP);
  t.equal((await meshlet(plane, ['apply', '-f', manifest])).code, 0);
  const pod = await waitFor('the pod running on the joined node', async () => {
    const res = await meshlet(plane, ['get', 'pods', '-o', 'json']);
    const items = (JSON.parse(res.stdout) as { items: PodJson[] }).items;
    return items.find((p) => p.spec.nodeName === 'remote' && p.status?.phase === 'Running');
  }, { timeoutMs: 60_000, intervalMs: 250 });
  t.ok(pod.status!.podIP!.startsWith(`${subnet}.`), `pod IP ${pod.status!.podIP} is in the joined node's subnet`);

  const svc = JSON.parse((await meshlet(plane, ['get', 'svc', 'hello-remote', '-o', 'json'])).stdout) as { spec: { clusterIP: string } };
  const reply = await waitFor('the Service VIP answering from the joined node', async () => {
    const res = await httpGet(`http://${svc.spec.clusterIP}:5000/hello`);
    return res.status === 200 ? res.body : undefined;
  });
  t.match(reply, /Hello version: v1, instance: hello-remote-/);

  const logs = await waitFor('logs of the remote pod through the control plane', async () => {
    const res = await meshlet(plane, ['logs', pod.metadata.name]);
    return res.code === 0 && res.stdout.length > 0 ? res : undefined;
  });
  t.match(logs.stdout, /helloworld|listening|5000/i, 'the API server streams logs from the joined node');

  const pgids = readdirSync(join(remote, 'run', 'pids')).map(Number).filter(Number.isInteger);
  const tree = processTree(joined.pid!, pgids);
  t.ok(tree.length >= 2, 'the joined node runs the container');
  const down = await meshlet(remote, ['down']);
  t.match(down.stdout, /node remote stopped/);
  await waitFor('the node and its containers gone', () => (alive(tree.map((p) => p.pid)).length === 0 ? true : undefined), { timeoutMs: 15_000 });
});
