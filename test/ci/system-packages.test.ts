// .ci/system-packages.sh is the one list of system tools the tests need. With
// a tool missing and no permission to install (or --check), it stops with the
// exact install command; with everything present it is silent.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const script = fileURLToPath(new URL('../../.ci/system-packages.sh', import.meta.url));

function run(args: string[], path = process.env.PATH ?? '') {
  return spawnSync('/bin/bash', [script, ...args], { encoding: 'utf8', env: { ...process.env, PATH: path }, timeout: 60_000 });
}

t.test('--list names each command and its Debian package', async (t) => {
  const out = run(['--list']);
  t.equal(out.status, 0);
  const rows = new Map(out.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
  t.equal(rows.get('dig'), 'dnsutils');
  t.equal(rows.get('redis-server'), 'redis-server');
  t.equal(rows.get('ip'), 'iproute2');
  t.equal(rows.get('/usr/bin/chromium'), 'chromium');
});

t.test('a missing tool stops with the exact install command', async (t) => {
  // A PATH with only what the script itself needs: every listed command is missing.
  const bin = mkdtempSync(join(tmpdir(), 'meshlet-path-'));
  t.teardown(() => rmSync(bin, { recursive: true, force: true }));
  for (const tool of ['awk', 'id']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  const out = run(['--check'], bin);
  t.equal(out.status, 1, 'exits non-zero');
  t.match(out.stderr, /apt-get install -y --no-install-recommends dnsutils redis-server redis-tools iproute2/);
  t.match(out.stderr, /kubectl 1\.32 is not on PATH/);
  t.equal(out.stdout, '', 'nothing on stdout');
});

t.test('with every tool present it prints nothing and exits 0', async (t) => {
  const out = run(['--check']);
  t.equal(out.status, 0, out.stderr);
  t.equal(out.stdout + out.stderr, '');
});
