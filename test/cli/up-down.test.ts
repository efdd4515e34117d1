// The CLI contract: `meshlet up --detach` returns once the cluster is ready,
// status/get/apply/logs/delete talk to it, and `meshlet down` leaves no
// process behind — including grandchildren a container spawned.

import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.ts';
import { MESHLET_BIN as BIN, meshlet } from '../helpers/meshlet-cli.ts';
import { alive, processTree } from '../helpers/processes.ts';

const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  replicas: 2
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
kind: Pod
metadata: { name: forker }
spec:
  containers:
  - name: main
    image: busybox
    command: ["/bin/sh", "-c", "sleep 300 & sleep 300 & echo forked; wait"]
`;

t.test('up --detach, inspect, down leaves nothing running', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-cli-'));
  const manifest = join(home, 'app.yaml');
  writeFileSync(manifest, MANIFEST);
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });

  const up = await meshlet(home, ['up', '--detach', '--nodes', '2', '-f', manifest]);
  t.equal(up.code, 0, `up succeeded: ${up.stderr}`);
  t.match(up.stdout, /ingress: +http:\/\/127\.0\.0\.1:\d+/);
  t.match(up.stdout, /dashboard: +http:\/\/127\.0\.0\.1:\d+/);

  const status = await meshlet(home, ['status', '--json']);
  t.equal(status.code, 0, status.stderr);
  const view = JSON.parse(status.stdout) as { apiServer: string; ingress: string; dns: { host: string; port: number }; dashboard: string; nodes: { name: string; ready: boolean }[]; pid: number };
  t.match(view.apiServer, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.ok(view.dns.port > 0 && /^127\./.test(view.dns.host), 'dns host and port');
  t.equal(view.nodes.length, 2);
  t.ok(view.nodes.every((n) => n.ready), 'nodes Ready');

  const running = await waitFor('all pods Running', async () => {
    const res = await meshlet(home, ['get', 'pods', '-o', 'json']);
    const list = JSON.parse(res.stdout) as { items: { metadata: { name: string }; status?: { phase?: string } }[] };
    if (list.items.length === 3 && list.items.every((p) => p.status?.phase === 'Running')) return list.items;
    // An error, not undefined, so a time-out says what was seen last.
    throw new Error(`pods: ${JSON.stringify(list.items.map((p) => `${p.metadata.name}=${p.status?.phase ?? '?'}`))}`);
  }, { timeoutMs: 120_000, intervalMs: 250 });
  t.equal(running.length, 3);

  // kubeconfig --write merges a "meshlet" context into $KUBECONFIG, keeping what was there.
  const kubeconfig = join(home, 'kube', 'config');
  mkdirSync(join(home, 'kube'));
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: other, cluster: {server: "https://127.0.0.1:1"}}]\nusers: []\ncontexts: []\n');
  const written = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, [BIN, 'kubeconfig', '--write'], { env: { ...process.env, MESHLET_HOME: home, KUBECONFIG: kubeconfig } }, (err, stdout) =>
      resolve({ code: err ? 1 : 0, stdout }),
    );
  });
  t.equal(written.code, 0);
  const kubectlPods = await new Promise<string>((resolve, reject) => {
    execFile('kubectl', ['get', 'pods', '-o', 'name'], { env: { ...process.env, KUBECONFIG: kubeconfig } }, (err, stdout, stderr) =>
      err ? reject(new Error(`kubectl failed (install kubectl 1.32 if missing): ${stderr}`)) : resolve(stdout),
    );
  });
  t.match(kubectlPods, /pod\/forker/, 'real kubectl reaches the cluster through the merged kubeconfig');
  const merged = readFileSync(kubeconfig, 'utf8');
  t.match(merged, /name: other/, 'existing entries are kept');
  t.match(merged, /current-context: meshlet/);

  const table = await meshlet(home, ['get', 'pods', '-o', 'wide']);
  t.match(table.stdout, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
  t.match(table.stdout, /forker\s+1\/1\s+Running/);

  const logs = await waitFor('forker logs', async () => {
    const res = await meshlet(home, ['logs', 'forker']);
    return res.stdout.includes('forked') ? res : undefined;
  });
  t.equal(logs.code, 0);

  const bad = join(home, 'bad.yaml');
  writeFileSync(bad, 'apiVersion: v1\nkind: Service\nmetadata: { name: broken }\nspec:\n  ports: [{ port: 99999 }]\n');
  const applyBad = await meshlet(home, ['apply', '-f', bad]);
  t.equal(applyBad.code, 1, 'invalid object is rejected');
  t.match(applyBad.stderr, /spec\.ports\[0\]\.port/, 'error names the field');

  const again = await meshlet(home, ['apply', '-f', manifest]);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /deployment\.apps\/hello unchanged/);

  const routes = join(home, 'routes.yaml');
  writeFileSync(routes, `
apiVersion: v1
kind: Service
metadata: { name: hello }
spec: { selector: { app: hello }, ports: [{ name: http, port: 5000 }] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: hello }
spec: { host: hello, subsets: [{ name: v1, labels: { version: v1 } }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: hello }
spec:
  hosts: [hello]
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: hello, subset: v2 } }]
  - route: [{ destination: { host: hello, subset: v1 } }]
`);
  t.equal((await meshlet(home, ['apply', '-f', routes])).code, 0);
  const explained = await meshlet(home, ['explain', 'forker', 'http://hello:5000/hello', '-H', 'end-user: jason']);
  t.equal(explained.code, 0, explained.stderr);
  t.match(explained.stdout, /rule #0 matched: header end-user exact "jason"/, 'explain names the matching rule');
  const noRoute = await meshlet(home, ['explain', 'forker', 'http://nowhere.example:81/']);
  t.match(noRoute.stdout, /Outcome: /, 'explain reports an outcome for an unknown host');
  const analyzed = await meshlet(home, ['analyze']);
  t.match(analyzed.stdout, /IST0101/, 'analyze finds the route to an undefined subset');
  const proxyRoutes = await meshlet(home, ['proxy-config', 'routes', 'forker']);
  t.match(proxyRoutes.stdout, /hello\.default\.svc\.cluster\.local:5000/);

  // Collect every process of the cluster: the daemon, and each container's process group.
  const pgids = readdirSync(join(home, 'run', 'pids')).map(Number).filter(Number.isInteger);
  const tree = processTree(view.pid, pgids);
  t.ok(tree.length >= 6, `cluster runs ${tree.length} processes (daemon, 3 containers, 2 grandchildren)`);
  t.ok(tree.some((p) => p.cmdline.startsWith('sleep 300')), 'the container forked grandchildren');

  const down = await meshlet(home, ['down']);
  t.equal(down.code, 0, down.stderr);
  t.match(down.stdout, /cluster stopped/);
  const left = await waitFor('every cluster process gone', () => (alive(tree.map((p) => p.pid)).length === 0 ? true : undefined), { timeoutMs: 10_000 });
  t.ok(left);

  const after = await meshlet(home, ['status', '--json']);
  t.equal(after.code, 1, 'status fails once the cluster is down');
  t.match(after.stderr, /no meshlet cluster is running/);
});
