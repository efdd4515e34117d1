import t from 'tap';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ManualClock } from '../../../control/api/index.ts';
import { harness, node, pidOf, podSpec, sh, startWatched, waitFor } from './helpers.ts';

const server = (body: string): string => `
const ip = process.env.POD_IP;
let hits = 0;
const srv = require('http').createServer((req, res) => { hits++; ${body} });
srv.listen(9080, ip, () => console.log('listening'));
`;

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

t.test('without a readinessProbe a container is ready once its declared TCP port accepts connections', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const podIp = '127.253.2.2';
  const spec = podSpec(
    [{ name: 'web', ...node(`setTimeout(() => { ${server('res.end("ok")')} }, 400)`, { POD_IP: podIp }, { ports: [{ containerPort: 9080 }] }) }],
    { podIp },
  );
  const w = startWatched(h.runtime, spec);
  await waitFor('running', () => w.latest().containerStatuses[0]!.state.running);
  t.equal(w.latest().ready, false, 'not ready before the app binds');
  t.equal(await accepts(podIp, 9080), false);
  await waitFor('ready', () => w.latest().ready);
  t.equal(await accepts(podIp, 9080), true, 'ready implies the port accepts');
  t.equal(w.statuses.at(-1)?.containerStatuses[0]?.ready, true, 'the change was reported');
});

t.test('a container without ports is ready as soon as it runs', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const w = startWatched(h.runtime, podSpec([{ name: 'worker', ...node('setInterval(() => {}, 1000)') }], { podIp: '127.253.2.3' }));
  await waitFor('ready', () => w.latest().ready);
  t.equal(w.latest().containerStatuses[0]!.started, true);
});

t.test('an httpGet readinessProbe decides readiness (2xx/3xx ready, else not) with thresholds', async (t) => {
  const h = harness({ probeTimeScale: 0.01 });
  t.teardown(() => h.close());
  const podIp = '127.253.2.4';
  // 503 for the first three probes, then 302 (a redirect counts as success).
  const spec = podSpec(
    [
      {
        name: 'web',
        ...node(server('if (hits <= 3) { res.statusCode = 503; res.end(); } else { res.writeHead(302, { location: "/" }); res.end(); }'), { POD_IP: podIp }, {
          ports: [{ containerPort: 9080, name: 'http' }],
          readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 10, failureThreshold: 1 },
        }),
      },
    ],
    { podIp },
  );
  const w = startWatched(h.runtime, spec);
  await waitFor('ready', () => w.latest().ready);
  const unhealthy = w.events().filter((e) => e.reason === 'Unhealthy');
  t.ok(unhealthy.length >= 1, 'failed probes produced Unhealthy events');
  t.ok(
    unhealthy.every((e) => e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 503'),
    'no attempt ran before the port accepted connections',
  );
});

t.test('a failing livenessProbe restarts the container with Unhealthy and Killing events', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ probeTimeScale: 0.01, clock });
  t.teardown(() => h.close());
  const podIp = '127.253.2.5';
  const spec = podSpec(
    [
      {
        name: 'web',
        ...node(server('res.statusCode = req.url === "/healthz" && hits > 2 ? 500 : 200; res.end();'), { POD_IP: podIp }, {
          ports: [{ containerPort: 9080 }],
          livenessProbe: { httpGet: { path: '/healthz', port: 9080 }, initialDelaySeconds: 20, periodSeconds: 5, failureThreshold: 2 },
        }),
      },
    ],
    { podIp, terminationGracePeriodSeconds: 1 },
  );
  const w = startWatched(h.runtime, spec);
  await waitFor('killed for liveness', () => w.latest().containerStatuses[0]!.state.terminated);
  const reasons = w.events().map((e) => e.reason);
  t.ok(reasons.includes('Unhealthy'));
  const killing = w.events().find((e) => e.reason === 'Killing');
  t.equal(killing?.message, 'Container web failed liveness probe, will be restarted');
  const events = w.events();
  const k = events.findIndex((e) => e.reason === 'Killing');
  t.same(
    events.slice(k - 2, k).map((e) => e.message.slice(0, 'Liveness probe failed:'.length)),
    ['Liveness probe failed:', 'Liveness probe failed:'],
    'failureThreshold consecutive failures right before the kill',
  );
  clock.advance(1000);
  await waitFor('restarted', () => w.latest().containerStatuses[0]!.restartCount === 1 && w.latest().containerStatuses[0]!.state.running);
});

t.test('a liveness failure restarts only that container; its sibling keeps its process', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ probeTimeScale: 0.01, clock });
  t.teardown(() => h.close());
  const sick = `${h.runDir}/sick`;
  const spec = podSpec(
    [
      { name: 'steady', ...sh('exec sleep 100') },
      {
        name: 'watched',
        ...sh('exec sleep 100', {}, { livenessProbe: { exec: { command: ['/bin/sh', '-c', `test ! -e ${sick}`] }, periodSeconds: 5, failureThreshold: 1 } }),
      },
    ],
    { podIp: '127.253.2.9', terminationGracePeriodSeconds: 1 },
  );
  const w = startWatched(h.runtime, spec);
  const up = await waitFor('both running', () => (w.latest().containerStatuses.every((c) => c.state.running) ? w.latest() : undefined));
  const steadyPid = pidOf(up, 'steady');
  const watchedPid = pidOf(up, 'watched');
  writeFileSync(sick, '');
  await waitFor('watched killed', () => w.latest().containerStatuses[1]!.state.terminated);
  rmSync(sick);
  clock.advance(1000);
  await waitFor('watched restarted', () => w.latest().containerStatuses[1]!.restartCount === 1 && w.latest().containerStatuses[1]!.state.running);
  const status = w.latest();
  t.not(pidOf(status, 'watched'), watchedPid, 'watched runs as a new process');
  t.equal(status.containerStatuses[1]!.lastState?.terminated?.exitCode, 143, 'killed with SIGTERM');
  t.equal(pidOf(status, 'steady'), steadyPid, 'steady kept its process');
  t.equal(status.containerStatuses[0]!.restartCount, 0);
  t.ok(status.containerStatuses[0]!.state.running);
  t.same(w.events().filter((e) => e.reason === 'Killing').map((e) => e.message), ['Container watched failed liveness probe, will be restarted']);
});

t.test('a startupProbe gates started, readiness and liveness', async (t) => {
  const h = harness({ probeTimeScale: 0.01 });
  t.teardown(() => h.close());
  const podIp = '127.253.2.6';
  const spec = podSpec(
    [
      {
        name: 'web',
        ...node(`setTimeout(() => { ${server('res.end()')} }, 300)`, { POD_IP: podIp }, {
          startupProbe: { tcpSocket: { port: 9080 }, periodSeconds: 5, failureThreshold: 100 },
        }),
      },
    ],
    { podIp },
  );
  const w = startWatched(h.runtime, spec);
  await waitFor('running', () => w.latest().containerStatuses[0]!.state.running);
  t.equal(w.latest().containerStatuses[0]!.started, false);
  t.equal(w.latest().ready, false);
  await waitFor('started and ready', () => w.latest().containerStatuses[0]!.started && w.latest().ready);
});

t.test('an exec readinessProbe runs in the container environment', async (t) => {
  const h = harness({ probeTimeScale: 0.01 });
  t.teardown(() => h.close());
  const marker = `${h.runDir}/ready-marker`;
  const spec = podSpec(
    [
      {
        name: 'app',
        ...node(`setTimeout(() => require('fs').writeFileSync(process.env.MARKER, 'x'), 200); setInterval(() => {}, 1000)`, { MARKER: marker }, {
          readinessProbe: { exec: { command: ['/bin/sh', '-c', 'test -f "$MARKER"'] }, periodSeconds: 5 },
        }),
      },
    ],
    { podIp: '127.253.2.7' },
  );
  const w = startWatched(h.runtime, spec);
  await waitFor('running', () => w.latest().containerStatuses[0]!.state.running);
  t.equal(w.latest().ready, false);
  await waitFor('ready', () => w.latest().ready);
});

t.test('under OnFailure a container killed for liveness is restarted even if it exits 0', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ probeTimeScale: 0.01, clock });
  t.teardown(() => h.close());
  // The probe only fails once the script has installed its TERM trap (the marker file), so a
  // busy machine cannot deliver SIGTERM before the trap exists.
  const marker = join(mkdtempSync(join(tmpdir(), 'meshlet-liveness-')), 'armed');
  t.teardown(() => rmSync(dirname(marker), { recursive: true, force: true }));
  const spec = podSpec(
    [{
      name: 'polite',
      ...sh(`trap 'exit 0' TERM; touch ${marker}; sleep 100 & wait`, {}, {
        livenessProbe: { exec: { command: ['/bin/sh', '-c', `test ! -e ${marker}`] }, failureThreshold: 1 },
      }),
    }],
    { podIp: '127.253.2.8', restartPolicy: 'OnFailure' },
  );
  const w = startWatched(h.runtime, spec);
  await waitFor('the liveness kill', () => w.latest().containerStatuses[0]!.state.terminated);
  t.equal(w.latest().containerStatuses[0]!.state.terminated?.exitCode, 0);
  t.equal(w.latest().phase, 'Running', 'not Succeeded');
  t.equal(clock.pendingTimers(), 1, 'a restart is scheduled');
  clock.advance(1000);
  // It arms the probe again at once, so only the count is a stable thing to wait on.
  await waitFor('restarted', () => w.latest().containerStatuses[0]!.restartCount === 1);
});

t.test('a readinessProbe waits for its port before the first attempt, so a slow binder is not held back a period', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const podIp = '127.253.2.9';
  const spec = podSpec(
    [
      {
        name: 'slow',
        ...node(`setTimeout(() => { ${server('res.end("ok")')} }, 300)`, { POD_IP: podIp }, {
          ports: [{ containerPort: 9080 }],
          readinessProbe: { httpGet: { path: '/', port: 9080 }, periodSeconds: 10 },
        }),
      },
    ],
    { podIp },
  );
  const started = Date.now();
  const w = startWatched(h.runtime, spec);
  await waitFor('ready', () => w.latest().ready, 8000);
  t.ok(Date.now() - started < 5000, 'ready well before one 10 s period elapsed');
  t.same(w.events().filter((e) => e.reason === 'Unhealthy'), [], 'no failed attempt while the app was binding');
});
