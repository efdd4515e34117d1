// The Kubernetes docs' default-deny NetworkPolicy, applied unchanged with real
// kubectl, blocks a meshed client (its sidecar's connection is reset at the
// server's sidecar: 503) and an unmeshed one (its ClusterIP connection is
// reset by the service proxy); an allow rule for the clients lets both
// through again, and deleting the deny is not needed for that.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl, meshlet, upDetached } from '../helpers/meshlet-cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { REFERENCE_ROOT } from '../helpers/reference.ts';

// Prints one line per attempt: status=<code> or error=<code>. A new connection
// each time (agent: false): policies judge connections, and an established one
// outlives a new policy, as with conntrack on a real node.
const CLIENT = [
  "const http = require('node:http');",
  'setInterval(() => {',
  "  const r = http.get({ host: 'hello', port: 5000, path: '/hello', timeout: 2000, agent: false }, (res) => { console.log('status=' + res.statusCode); res.resume(); });",
  "  r.on('timeout', () => r.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));",
  "  r.on('error', (e) => console.log('error=' + (e.code || e.message)));",
  '}, 300);',
].join('\n');

const APP = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello, version: v1 } }
    spec:
      containers:
      - name: hello
        image: docker.io/istio/examples-helloworld-v1
        ports: [{ containerPort: 5000, name: http }]
---
apiVersion: v1
kind: Service
metadata: { name: hello }
spec: { selector: { app: hello }, ports: [{ name: http, port: 5000 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: meshed-client, labels: { app: client } }
spec:
  containers:
  - name: client
    image: docker.io/curlimages/curl
    command: [node, -e, ${JSON.stringify(CLIENT)}]
---
apiVersion: v1
kind: Pod
metadata: { name: plain-client, labels: { app: client }, annotations: { sidecar.istio.io/inject: "false" } }
spec:
  containers:
  - name: client
    image: docker.io/curlimages/curl
    command: [node, -e, ${JSON.stringify(CLIENT)}]
`;

const ALLOW = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-clients }
spec:
  podSelector: { matchLabels: { app: hello } }
  ingress:
  - from: [{ podSelector: { matchLabels: { app: client } } }]
    ports: [{ port: http }]
`;

/** The client's four newest outcome lines. */
async function outcomes(home: string, pod: string): Promise<string[]> {
  const res = await kubectl(home, ['logs', pod, '--tail', '4']);
  if (res.code !== 0) throw new Error(`kubectl logs ${pod}: ${res.stderr}`);
  return res.stdout.trim().split('\n').filter(Boolean);
}

async function settlesOn(home: string, pod: string, test: (line: string) => boolean, what: string): Promise<string[]> {
  return waitFor(`${pod}: ${what}`, async () => {
    const lines = await outcomes(home, pod);
    if (lines.length < 4 || !lines.every(test)) throw new Error(`last lines: ${JSON.stringify(lines)}`);
    return lines;
  }, { timeoutMs: 90_000, intervalMs: 500 });
}

t.test('default-deny ingress blocks meshed and unmeshed clients; an allow rule lets them through', async (t) => {
  const home = await upDetached(t, 'meshlet-netpol-');
  const app = join(home, 'app.yaml');
  writeFileSync(app, APP);
  const applied = await kubectl(home, ['apply', '-f', app]);
  t.equal(applied.code, 0, `apply app: ${applied.stderr}`);

  await settlesOn(home, 'meshed-client', (l) => l === 'status=200', 'served before any policy');
  await settlesOn(home, 'plain-client', (l) => l === 'status=200', 'served before any policy');

  const deny = await kubectl(home, ['apply', '-f', join(REFERENCE_ROOT, 'kubernetes-examples', 'network-policy-default-deny-ingress.yaml')]);
  t.equal(deny.code, 0, `apply the docs' default deny: ${deny.stderr}`);
  t.match(deny.stdout, /networkpolicy.networking.k8s.io\/default-deny-ingress created/);
  const listed = await kubectl(home, ['get', 'networkpolicy']);
  t.match(listed.stdout, /default-deny-ingress\s+<none>/, 'kubectl get shows POD-SELECTOR <none>');

  const meshedDenied = await settlesOn(home, 'meshed-client', (l) => l === 'status=503', 'the server sidecar resets the meshed client');
  t.ok(meshedDenied.length > 0);
  const plainDenied = await settlesOn(home, 'plain-client', (l) => l.startsWith('error='), 'the service proxy resets the unmeshed client');
  t.match(plainDenied.join(' '), /ECONNRESET|socket hang up/);

  const allow = join(home, 'allow.yaml');
  writeFileSync(allow, ALLOW);
  const allowed = await kubectl(home, ['apply', '-f', allow]);
  t.equal(allowed.code, 0, `apply allow rule: ${allowed.stderr}`);
  await settlesOn(home, 'meshed-client', (l) => l === 'status=200', 'the allow rule admits the meshed client');
  await settlesOn(home, 'plain-client', (l) => l === 'status=200', 'the allow rule admits the unmeshed client');

  const broken = join(home, 'broken.yaml');
  writeFileSync(broken, ALLOW.replace('allow-clients', 'broken').replace('podSelector: { matchLabels: { app: client } }', 'ipBlock: { except: [10.0.0.0/8] }'));
  const bad = await kubectl(home, ['apply', '-f', broken]);
  t.not(bad.code, 0, 'an ipBlock without cidr is rejected');
  t.match(bad.stderr, /spec\.ingress\[0\]\.from\[0\]\.ipBlock\.cidr/, `field path in the error: ${bad.stderr}`);

  // meshlet analyze reads the live cluster too, with a line in each object's YAML.
  const strays = join(home, 'strays.yaml');
  writeFileSync(strays, [
    'apiVersion: v1\nkind: Service\nmetadata: { name: orphan }\nspec: { selector: { app: nobody }, ports: [{ port: 80 }] }',
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: for-nobody }\nspec: { podSelector: { matchLabels: { app: nobody } } }',
  ].join('\n---\n'));
  t.equal((await kubectl(home, ['apply', '-f', strays])).code, 0, 'strays applied');
  const live = await meshlet(home, ['analyze']);
  t.equal(live.code, 0, `only warnings: ${live.stderr}`);
  t.match(live.stdout, /Warning \[KUBE1001\] \(Service default\/orphan cluster:\/\/default\/services\/orphan:\d+ spec\.selector\)/, live.stdout);
  t.match(live.stdout, /Warning \[KUBE1005\] \(NetworkPolicy default\/for-nobody cluster:\/\/default\/networkpolicies\/for-nobody:\d+ spec\.podSelector\)/);
  t.notMatch(live.stdout, /default-deny-ingress|allow-clients|Service default\/hello/, 'the policies and Service in use are not flagged');
});
