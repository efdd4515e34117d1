// `meshlet up` in the foreground waits for its pods and says so on stderr
// (stdout keeps the apply results and the URL lines scripts parse); once up,
// `meshlet logs -l` prints every matching pod's log, prefixed with --prefix.
// `--quiet` drops the progress lines.

import t from 'tap';
import type { Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.ts';
import { MESHLET_BIN, runMeshlet } from '../helpers/meshlet-cli.ts';

// A readiness delay keeps the pods visibly not Ready for a while.
const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  replicas: 2
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      containers:
      - name: main
        image: busybox
        command: ["/bin/sh", "-c", "echo line-one; echo line-two; sleep 300"]
        readinessProbe: { exec: { command: ["true"] }, initialDelaySeconds: 2, periodSeconds: 1 }
`;

const URL_LINES = /meshlet: cluster is up[^\n]*\n {2}ingress: +http:\/\/127\.0\.0\.1:\d+\n(?:.*\n)* {2}stop with: +meshlet down\n$/;

interface Foreground {
  stdout: () => string;
  stderr: () => string;
  stop: () => Promise<void>;
}

function upInForeground(t: Test, home: string, args: string[]): Foreground {
  const child = spawn(process.execPath, [MESHLET_BIN, 'up', ...args], { env: { ...process.env, MESHLET_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    await exited;
  };
  t.teardown(async () => {
    await stop();
    await runMeshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  return { stdout: () => stdout, stderr: () => stderr, stop };
}

function newHome(): { home: string; manifest: string } {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-progress-'));
  const manifest = join(home, 'hello.yaml');
  writeFileSync(manifest, MANIFEST);
  return { home, manifest };
}

t.test('up reports pod progress on stderr, then logs -l prints both pods', async (t) => {
  const { home, manifest } = newHome();
  const up = upInForeground(t, home, ['-f', manifest]);
  await waitFor('the URL lines on stdout', () => URL_LINES.test(up.stdout()), { timeoutMs: 150_000, intervalMs: 100 }).catch((err: Error) => {
    throw new Error(`${err.message}\nstdout:\n${up.stdout()}\nstderr:\n${up.stderr()}`);
  });
  const progress = up.stderr().split('\n').filter((l) => /^(waiting for pods|pods):/.test(l));
  t.ok(progress.length >= 2, `progress lines on stderr:\n${up.stderr()}`);
  t.match(progress[0], /^waiting for pods: [01]\/2 ready/, 'first the pods are not ready');
  t.equal(progress[progress.length - 1], 'pods: 2/2 ready', 'the last line says all are ready, before the URLs were printed');
  t.notMatch(up.stdout(), /waiting for pods|pods: \d/, 'stdout has no progress');
  t.match(up.stdout(), /^deployment\.apps\/hello created\n/, 'stdout starts with the apply results');
  t.match(up.stdout(), URL_LINES, 'and ends with the URL lines');

  const pods = await runMeshlet(home, ['get', 'pods', '-l', 'app=hello', '-o', 'name']);
  const names = pods.stdout.trim().split('\n').map((l) => l.replace('pod/', ''));
  t.equal(names.length, 2, pods.stderr);
  const prefixed = await waitFor('both pods\' logs', async () => {
    const res = await runMeshlet(home, ['logs', '-l', 'app=hello', '--prefix']);
    return names.every((n) => res.stdout.includes(`[pod/${n}/main] line-two`)) ? res : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  t.equal(prefixed.code, 0);
  for (const name of names) {
    t.match(prefixed.stdout, new RegExp(`^\\[pod/${name}/main\\] line-one\\n\\[pod/${name}/main\\] line-two$`, 'm'), `${name}'s lines, in order, prefixed`);
  }
  t.ok(prefixed.stdout.trim().split('\n').every((l) => /^\[pod\/hello-[^/]+\/main\] /.test(l)), 'every line is prefixed');

  const plain = await runMeshlet(home, ['logs', '-l', 'app=hello', '-c', 'main', '--tail', '1']);
  t.equal(plain.stdout, 'line-two\nline-two\n', 'without --prefix: the bare lines, --tail per pod');
  const none = await runMeshlet(home, ['logs', '-l', 'app=nothing']);
  t.equal(none.code, 0);
  t.match(none.stderr, /No resources found in default namespace/);
  const tooMany = await runMeshlet(home, ['logs', '-l', 'app=hello', '-f', '--max-log-requests', '1']);
  t.equal(tooMany.code, 2);
  t.match(tooMany.stderr, /attempting to follow 2 log streams, but maximum allowed concurrency is 1/);
  await up.stop();
});

t.test('up --detach passes the background process\'s progress on to stderr', async (t) => {
  const { home, manifest } = newHome();
  t.teardown(async () => {
    await runMeshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  const up = await runMeshlet(home, ['up', '--detach', '-f', manifest], { timeoutMs: 150_000 });
  t.equal(up.code, 0, up.stderr);
  t.match(up.stderr, /^waiting for pods: [01]\/2 ready/m, 'progress while waiting');
  t.match(up.stderr, /^pods: 2\/2 ready$/m, 'and when all are ready');
  t.match(up.stdout, URL_LINES, 'stdout is the URL lines');
  t.notMatch(up.stdout, /waiting for pods/);
});

t.test('up --quiet prints no progress', async (t) => {
  const { home, manifest } = newHome();
  const up = upInForeground(t, home, ['--quiet', '-f', manifest]);
  await waitFor('the URL lines on stdout', () => URL_LINES.test(up.stdout()), { timeoutMs: 150_000, intervalMs: 100 });
  const pods = await runMeshlet(home, ['get', 'pods', '-o', 'json']);
  const list = JSON.parse(pods.stdout) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
  t.ok(list.items.length === 2 && list.items.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')), 'up still waited for Ready');
  t.notMatch(up.stderr(), /waiting for pods|pods: \d/, `no progress on stderr: ${up.stderr()}`);
  await up.stop();
});

t.test('Ctrl-C while up waits for pods stops cleanly and leaves no state file', async (t) => {
  const { home, manifest } = newHome();
  writeFileSync(manifest, MANIFEST.replace('command: ["true"]', 'command: ["false"]'));
  const up = upInForeground(t, home, ['-f', manifest]);
  await waitFor('a progress line', () => /waiting for pods: 0\/2 ready/.test(up.stderr()), { timeoutMs: 150_000, intervalMs: 100 });
  await up.stop();
  await waitFor('the stop message', () => /stopping the cluster/.test(up.stdout()), { timeoutMs: 15_000 });
  t.notOk(existsSync(join(home, 'cluster.json')), 'no cluster.json for a cluster that stopped');
  t.notMatch(up.stdout(), /cluster is up/, 'no URL lines');
  t.notMatch(up.stderr(), /Error|at .*\.ts:\d+/, `no error from the interrupted wait: ${up.stderr()}`);
});
