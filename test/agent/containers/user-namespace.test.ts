// Without root, containers still get their own mount namespace through a user
// namespace (unshare --user --map-root-user): the runtime is run as `nobody`.

import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/unprivileged-pod.ts', import.meta.url));
const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
const userNamespaces = setpriv && spawnSync(setpriv, ['--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '--user', '--map-root-user', '--mount', 'true']).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root to become nobody' : !setpriv ? 'setpriv is missing' : !userNamespaces ? 'this kernel refuses unprivileged user namespaces' : false;

t.test('as nobody: a user+mount namespace with the volumes, the pod\'s resolv.conf and hostname', { skip, timeout: 120_000 }, async (t) => {
  const runDir = mkdtempSync(join(tmpdir(), 'meshlet-unprivileged-'));
  chmodSync(runDir, 0o777);
  t.teardown(() => rmSync(runDir, { recursive: true, force: true }));
  // `env -i`: not tap's process-info hook (NODE_OPTIONS), which would write into the repository as nobody.
  const env = ['/usr/bin/env', '-i', `PATH=${process.env['PATH'] ?? '/usr/bin:/bin'}`, `HOME=${runDir}`];
  const out = execFileSync(setpriv!, ['--reuid=65534', '--regid=65534', '--clear-groups', ...env, process.execPath, '--import', 'tsx', FIXTURE, join(runDir, 'run')], {
    encoding: 'utf8',
    timeout: 110_000,
  });
  const result = JSON.parse(out) as { mode: string; log: string };
  t.equal(result.mode, 'user', 'the runtime chose a user namespace');
  t.match(result.log, /k=v host=unprivileged-pod ns=nameserver 127\.96\.0\.10\n/);
  t.match(result.log, /data=w\n/);
});
