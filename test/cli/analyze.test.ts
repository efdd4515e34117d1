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
