// A `meshlet up` that cannot start exits non-zero with the reason and leaves no
// process behind, in the foreground and with --detach (whose daemon must not
// linger where `meshlet status` cannot see it).

import t from 'tap';
import type { Test } from 'tap';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meshlet } from '../helpers/meshlet-cli.ts';
import { processesWithEnv } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

/** Well under the 120 s the daemon is given to become ready: a failure must be reported when it happens. */
const PROMPT_MS = 60_000;

function newHome(t: Test): string {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-upfail-'));
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  return home;
}

async function takenPort(t: Test): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function assertNothingLeft(t: Test, home: string): Promise<void> {
  const left = await waitFor('no process of this home', () => (processesWithEnv('MESHLET_HOME', home).length === 0 ? true : undefined), { timeoutMs: 20_000 });
  t.ok(left, 'no meshlet process is left running');
  const status = await meshlet(home, ['status']);
  t.equal(status.code, 1, 'status reports no cluster');
}

const REJECTED = `
apiVersion: v1
kind: ConfigMap
metadata: { name: fine }
data: { a: "1" }
---
apiVersion: v1
kind: Service
metadata: { name: broken }
spec:
  ports: [{ port: 99999 }]
`;

for (const detach of [false, true]) {
  const mode = detach ? 'with --detach' : 'in the foreground';
  const flags = detach ? ['--detach'] : [];

  t.test(`a taken API port fails up ${mode}`, async (t) => {
    const home = newHome(t);
    const port = await takenPort(t);
    const up = await meshlet(home, ['up', ...flags, '--nodes', '1', '--api-port', String(port)]);
    t.equal(up.code, 1, 'exit code 1');
    t.match(up.stderr.split('\n')[0], new RegExp(`^meshlet up: .*EADDRINUSE.*127\\.0\\.0\\.1:${port}`), `the first line says why: ${up.stderr.split('\n')[0]}`);
    t.notMatch(up.stderr, /^\s+at /m, 'an operating-system error is reported without a stack trace');
    t.ok(up.ms < PROMPT_MS, `reported after ${up.ms} ms`);
    await assertNothingLeft(t, home);
  });

  t.test(`a manifest the API rejects fails up ${mode}`, async (t) => {
    const home = newHome(t);
    const file = join(home, 'app.yaml');
    writeFileSync(file, REJECTED);
    const up = await meshlet(home, ['up', ...flags, '--nodes', '1', '-f', file]);
    t.equal(up.code, 1, `exit code 1 (${up.stdout})`);
    t.match(up.stderr, /service\/broken: .*spec\.ports\[0\]\.port/, 'the error names the object and the field');
    t.ok(up.ms < PROMPT_MS, `reported after ${up.ms} ms`);
    await assertNothingLeft(t, home);
  });
}

t.test('a manifest that is not YAML fails up before anything starts', async (t) => {
  const home = newHome(t);
  const file = join(home, 'bad.yaml');
  writeFileSync(file, 'kind: [unclosed\n');
  const up = await meshlet(home, ['up', '--detach', '-f', file]);
  t.equal(up.code, 1);
  t.match(up.stderr, /bad\.yaml/, 'the error names the file');
  await assertNothingLeft(t, home);
});
