import t from 'tap';
import type { Test } from 'tap';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ManualClock } from '../../../control/api/index.ts';
import { runLifecycleHook } from '../../../control/agent/containers/lifecycle-hooks.ts';
import { harness, podSpec, sh, startWatched, waitFor } from './helpers.ts';

/** An HTTP server on a pod IP that records the hook calls it gets. */
async function hookServer(t: Test, podIp: string, onRequest: (req: IncomingMessage) => void = () => {}): Promise<{ port: number; calls: { path: string; agent: string }[] }> {
  const calls: { path: string; agent: string }[] = [];
  const server = createServer((req, res) => {
    calls.push({ path: req.url ?? '', agent: String(req.headers['user-agent']) });
    onRequest(req);
    res.statusCode = 500; // kubelet ignores the status of a hook's response
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, podIp, resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, calls };
}

t.test('runLifecycleHook: exec in the container env, httpGet succeeds on any response, failures in kubelet wording', async (t) => {
  const target = { podIp: '127.253.6.2', namedPorts: {}, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', WORD: 'hi' }, cwd: '/' };
  const where = { container: 'app', pod: 'p_default(u1)' };
  t.same(await runLifecycleHook({ exec: { command: ['/bin/sh', '-c', 'test "$WORD" = hi'] } }, target, where), { ok: true, message: '' });
  const failed = await runLifecycleHook({ exec: { command: ['/bin/sh', '-c', 'echo nope; exit 1'] } }, target, where);
  t.same(failed, { ok: false, message: 'Exec lifecycle hook (["/bin/sh","-c","echo nope; exit 1"]) for Container "app" in Pod "p_default(u1)" failed - error: nope' });
  const server = await hookServer(t, target.podIp);
  t.same(await runLifecycleHook({ httpGet: { path: '/x', port: server.port } }, target, where), { ok: true, message: '' }, 'a 500 still succeeds');
  t.same(server.calls.map((c) => c.path), ['/x']);
  const refused = await runLifecycleHook({ httpGet: { path: '/x', port: 9 } }, target, where);
  t.equal(refused.message, `HTTP lifecycle hook (/x) for Container "app" in Pod "p_default(u1)" failed - error: Get "http://127.253.6.2:9/x": dial tcp 127.253.6.2:9: connect: connection refused`);
  const started = Date.now();
  t.same(await runLifecycleHook({ exec: { command: ['/bin/sh', '-c', 'sleep 30'] } }, target, where, { timeoutMs: 200 }), {
    ok: false,
    message: 'Exec lifecycle hook (["/bin/sh","-c","sleep 30"]) for Container "app" in Pod "p_default(u1)" failed - error: command "/bin/sh -c sleep 30" timed out',
  });
  t.ok(Date.now() - started < 5000, 'the timeout ends the command');
});

t.test('postStart exec runs in the container environment; the container is not Running until it returns', async (t) => {
  const h = harness({ probeTimeScale: 0.01 });
  t.teardown(() => h.close());
  const out = `${h.runDir}/post-start`;
  const go = `${h.runDir}/go`;
  const spec = podSpec([
    {
      name: 'app',
      ...sh('exec sleep 100', { WORD: 'hello', OUT: out, GO: go }, {
        workingDir: h.runDir,
        lifecycle: { postStart: { exec: { command: ['/bin/sh', '-c', 'echo "$WORD $(pwd)" > "$OUT"; while ! test -f "$GO"; do sleep 0.05; done'] } } },
      }),
    },
  ]);
  const w = startWatched(h.runtime, spec);
  await waitFor('the hook ran', () => existsSync(out) && readFileSync(out, 'utf8').length > 0);
  t.equal(readFileSync(out, 'utf8'), `hello ${h.runDir}\n`, "the container's env and working dir");
  const during = w.latest().containerStatuses[0]!;
  t.equal(during.state.waiting?.reason, 'ContainerCreating', 'not Running while postStart runs');
  t.equal(during.ready, false);
  t.equal(w.latest().ready, false);
  writeFileSync(go, '');
  await waitFor('Running and ready after the hook', () => w.latest().containerStatuses[0]!.state.running && w.latest().ready);
});

t.test('a failing postStart kills the container, which restarts per restartPolicy', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock });
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'app', ...sh('exec sleep 100', {}, { lifecycle: { postStart: { exec: { command: ['/bin/sh', '-c', 'exit 1'] } } } }) }], {
    restartPolicy: 'OnFailure',
    terminationGracePeriodSeconds: 1,
  });
  const w = startWatched(h.runtime, spec);
  await waitFor('killed', () => w.latest().containerStatuses[0]!.state.terminated);
  const failed = w.events().find((e) => e.reason === 'FailedPostStartHook');
  t.match(failed?.message, new RegExp(`^Exec lifecycle hook \\(\\["/bin/sh","-c","exit 1"\\]\\) for Container "app" in Pod "${spec.name}_default\\(${spec.uid}\\)" failed - error: `));
  t.equal(failed?.type, 'Warning');
  t.notOk(w.statuses.some((s) => s.containerStatuses[0]!.state.running), 'never reported Running');
  clock.advance(1000);
  await waitFor('restarted', () => w.latest().containerStatuses[0]!.restartCount === 1);
});

t.test('postStart httpGet calls the pod IP, port and path', async (t) => {
  const podIp = '127.253.6.3';
  const server = await hookServer(t, podIp);
  const h = harness();
  t.teardown(() => h.close());
  const w = startWatched(h.runtime, podSpec([{ name: 'app', ...sh('exec sleep 100', {}, { lifecycle: { postStart: { httpGet: { path: '/started', port: server.port } } } }) }], { podIp }));
  await waitFor('Running', () => w.latest().containerStatuses[0]!.state.running);
  t.same(server.calls, [{ path: '/started', agent: 'kube-lifecycle/1.32' }]);
});

// The container traps TERM and notes it; the hook writes to the same file, so the order is on record.
const trapTerm = `trap 'echo term >> "$F"; exit 0' TERM; echo armed >> "$F"; sleep 100 & wait`;

t.test('preStop exec runs before SIGTERM', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const file = `${h.runDir}/order`;
  const w = startWatched(h.runtime, podSpec([{ name: 'app', ...sh(trapTerm, { F: file }, { lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'sleep 0.2; echo prestop >> "$F"'] } } } }) }]));
  await waitFor('armed', () => existsSync(file) && readFileSync(file, 'utf8').includes('armed'));
  await w.pod.stop();
  t.equal(readFileSync(file, 'utf8'), 'armed\nprestop\nterm\n');
  t.equal(w.latest().containerStatuses[0]!.state.terminated?.exitCode, 0, 'the container ended on its TERM trap, not SIGKILL');
});

t.test('preStop httpGet is called before SIGTERM', async (t) => {
  const podIp = '127.253.6.4';
  const h = harness();
  t.teardown(() => h.close());
  const file = `${h.runDir}/order`;
  const termedBeforeHook: boolean[] = [];
  const server = await hookServer(t, podIp, () => termedBeforeHook.push(readFileSync(file, 'utf8').includes('term')));
  const w = startWatched(h.runtime, podSpec([{ name: 'app', ...sh(trapTerm, { F: file }, { lifecycle: { preStop: { httpGet: { path: '/stopping', port: server.port } } } }) }], { podIp }));
  await waitFor('armed', () => existsSync(file) && readFileSync(file, 'utf8').includes('armed'));
  await w.pod.stop();
  t.same(server.calls.map((c) => c.path), ['/stopping']);
  t.same(termedBeforeHook, [false], 'no TERM yet when the hook was called');
  t.equal(readFileSync(file, 'utf8'), 'armed\nterm\n');
});

t.test('a preStop that outlasts the grace period is cut short: TERM follows, the stop stays bounded', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const file = `${h.runDir}/order`;
  const spec = podSpec([{ name: 'app', ...sh(trapTerm, { F: file }, { lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'echo prestop >> "$F"; sleep 30'] } } } }) }], {
    terminationGracePeriodSeconds: 1,
  });
  const w = startWatched(h.runtime, spec);
  await waitFor('armed', () => existsSync(file) && readFileSync(file, 'utf8').includes('armed'));
  const started = Date.now();
  await w.pod.stop();
  const took = Date.now() - started;
  t.equal(readFileSync(file, 'utf8'), 'armed\nprestop\nterm\n');
  t.ok(took >= 900, `the hook had its grace period (${took} ms)`);
  t.ok(took < 10_000, `not the hook's 30 s (${took} ms)`);
  t.ok(w.events().some((e) => e.reason === 'FailedPreStopHook'), 'the cut-short hook is reported');
});

t.test('a liveness kill runs preStop before SIGTERM too', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock, probeTimeScale: 0.01 });
  t.teardown(() => h.close());
  const file = `${h.runDir}/order`;
  const sick = `${h.runDir}/sick`;
  const w = startWatched(h.runtime, podSpec([{
    name: 'app',
    ...sh(trapTerm, { F: file }, {
      lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'echo prestop >> "$F"'] } } },
      livenessProbe: { exec: { command: ['/bin/sh', '-c', `test ! -e ${sick}`] }, periodSeconds: 5, failureThreshold: 1 },
    }),
  }]));
  await waitFor('armed', () => existsSync(file) && readFileSync(file, 'utf8').includes('armed'));
  writeFileSync(sick, '');
  await waitFor('killed for liveness', () => w.latest().containerStatuses[0]!.state.terminated);
  t.equal(readFileSync(file, 'utf8'), 'armed\nprestop\nterm\n');
});
