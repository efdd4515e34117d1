// `meshlet analyze -f` without a cluster: the demo's manifests are clean, and
// crafted mistakes are reported with Istio's codes and file:line locations.

import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'control/cli/bin.js');

function analyze(home: string, files: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'analyze', ...files.flatMap((f) => ['-f', f])], { env: { ...process.env, MESHLET_HOME: home }, cwd: ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

t.test('analyze -f', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-analyze-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));

  const clean = await analyze(home, ['examples/bookinfo']);
  t.equal(clean.code, 0, clean.stderr);
  t.match(clean.stdout, /No validation issues/);

  const crafted = join(home, 'crafted.yaml');
  writeFileSync(crafted, `apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web }
spec:
  hosts: [web]
  http:
  - route:
    - destination: { host: web, subset: canary }
  - match: [{ uri: { prefix: /never } }]
    route:
    - destination: { host: web }
`);
  const found = await analyze(home, [crafted]);
  t.equal(found.code, 1, 'errors make analyze exit non-zero');
  t.match(found.stdout, new RegExp(`IST0101.*crafted\\.yaml:13`), 'undefined subset, located at its line');
  t.match(found.stdout, /IST0130/, 'the rule after a catch-all can never match');
});

// Each line of this manifest is numbered in the assertions below: keep them in step.
const K8S_MISTAKES = `apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api-server } }
    spec:
      containers:
      - name: api
        image: docker.io/istio/examples-helloworld-v1
        ports: [{ containerPort: 5000, name: http }]
---
apiVersion: v1
kind: Pod
metadata: { name: web, labels: { app: web } }
spec:
  containers:
  - name: web
    image: docker.io/istio/examples-helloworld-v1
    ports: [{ containerPort: 8080, name: web }]
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports:
  - name: a
    port: 80
    targetPort: http
  - name: b
    port: 81
    targetPort: 9090
---
apiVersion: v1
kind: Service
metadata: { name: orphan }
spec:
  selector: { app: nobody }
  ports: [{ port: 80 }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: front }
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: { name: missing, port: { number: 80 } }
      - path: /web
        pathType: Prefix
        backend:
          service: { name: web, port: { number: 8443 } }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: for-nobody }
spec:
  podSelector: { matchLabels: { app: nobody } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web }
spec:
  hosts: [web]
  http:
  - route:
    - destination:
        host: web
        port: { number: 9999 }
`;

t.test('analyze -f: the Kubernetes-side relationships, each at its file:line', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-analyze-k8s-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const file = join(home, 'k8s.yaml');
  writeFileSync(file, K8S_MISTAKES);
  const res = await analyze(home, [file]);
  t.equal(res.code, 1, 'errors make analyze exit non-zero');
  const at = (code: string, resource: string, line: number): RegExp => new RegExp(`\\[${code}\\] \\(${resource} .*k8s\\.yaml:${line} `);
  t.match(res.stdout, at('KUBE1003', 'Deployment default/api', 5), 'selector does not match the template, at spec.selector');
  t.match(res.stdout, at('KUBE1002', 'Service default/web', 31), 'named targetPort no container declares');
  t.match(res.stdout, at('KUBE1002', 'Service default/web', 34), 'numeric targetPort no container declares');
  t.match(res.stdout, at('KUBE1001', 'Service default/orphan', 40), 'a selector no template matches');
  t.match(res.stdout, at('KUBE1004', 'Ingress default/front', 53), 'backend Service missing');
  t.match(res.stdout, at('KUBE1004', 'Ingress default/front', 57), 'backend port missing');
  t.match(res.stdout, at('KUBE1005', 'NetworkPolicy default/for-nobody', 63), 'a NetworkPolicy that selects nothing');
  t.match(res.stdout, at('IST0101', 'VirtualService default/web', 74), 'a VirtualService port the Service lacks');
  t.notMatch(res.stdout, /Service default\/web .*spec\.selector/, 'web is selected by its pod');
  const json = await new Promise<string>((resolve) => execFile(process.execPath, [BIN, 'analyze', '-f', file, '-o', 'json'], { env: { ...process.env, MESHLET_HOME: home }, cwd: ROOT }, (_e, out) => resolve(out)));
  const findings = JSON.parse(json) as { code: string; file?: string; line?: number }[];
  t.ok(findings.length >= 8 && findings.every((f) => f.file === file && typeof f.line === 'number'), 'every finding carries file and line');
});
