// The dashboard's HTTP API and event stream without a browser.
import http from 'node:http';
import t from 'tap';
import { ManualClock } from '../../control/api/index.ts';
import { startDashboard, type DashboardSnapshot } from '../../control/dashboard/index.ts';
import { bookinfoSource } from './memory-source.ts';

async function get(url: string, init?: RequestInit): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(url, init);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** Reads `snapshot` events from /api/events as they arrive. */
function openEvents(url: string): Promise<{ next(timeoutMs?: number): Promise<DashboardSnapshot>; ended: Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL('api/events', url), (res) => {
      let buffer = '';
      const queue: DashboardSnapshot[] = [];
      const waiters: ((s: DashboardSnapshot) => void)[] = [];
      const ended = new Promise<void>((done) => res.on('end', () => done()).on('close', () => done()));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let split;
        while ((split = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          if (!frame.startsWith('event: snapshot')) continue;
          const data = JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as DashboardSnapshot;
          const waiter = waiters.shift();
          if (waiter) waiter(data);
          else queue.push(data);
        }
      });
      resolve({
        ended,
        close: () => req.destroy(),
        next: (timeoutMs = 5000) => new Promise((got, fail) => {
          const queued = queue.shift();
          if (queued) return got(queued);
          const timer = setTimeout(() => fail(new Error('no snapshot event in time')), timeoutMs);
          waiters.push((s) => { clearTimeout(timer); got(s); });
        }),
      });
    });
    req.on('error', reject);
  });
}

void t.test('binds loopback only', async (t) => {
  const source = bookinfoSource(0);
  for (const host of ['0.0.0.0', '::', '10.1.2.3', '192.168.0.1']) {
    await t.rejects(startDashboard({ source, host }), { code: 'MESHLET_DASHBOARD_HOST' }, host);
  }
  const dashboard = await startDashboard({ source, host: '127.0.0.1' });
  t.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  await dashboard.close();
});

void t.test('JSON endpoints and page assets', async (t) => {
  const source = bookinfoSource(1_000_000);
  const dashboard = await startDashboard({ source });
  t.teardown(() => dashboard.close());
  const base = dashboard.url;

  const graph = JSON.parse((await get(`${base}api/graph`)).body) as DashboardSnapshot['graph'];
  t.equal(graph.nodes.length, 6);
  t.ok(graph.edges.every((e) => typeof e.rps === 'number'), 'edges carry a derived rate');
  t.same(JSON.parse((await get(`${base}api/splits`)).body), source.splitData);
  t.same(JSON.parse((await get(`${base}api/cluster`)).body), source.clusterData);

  const traces = JSON.parse((await get(`${base}api/traces?limit=1`)).body) as { traceId: string }[];
  t.same(traces.map((x) => x.traceId), ['4bf92f3577b34da6a3ce929d0e0e4736'], 'most recent first, limited');
  const spans = JSON.parse((await get(`${base}api/traces/4BF92F3577B34DA6A3CE929D0E0E4736`)).body) as { startMs: number }[];
  t.equal(spans.length, 5);
  t.same(spans.map((s) => s.startMs), [...spans.map((s) => s.startMs)].sort((a, b) => a - b), 'spans sorted by start');
  t.equal((await get(`${base}api/traces/ffffffffffffffffffffffffffffffff`)).status, 404);
  t.equal((await get(`${base}api/traces/not-a-trace`)).status, 400);
  t.equal((await get(`${base}api/nothing`)).status, 404);
  t.equal((await get(`${base}api/graph`, { method: 'POST' })).status, 405);

  const page = await get(base);
  t.equal(page.status, 200);
  t.match(page.type, /text\/html/);
  t.match(page.body, /<script type="module" src="app.js">/);
  t.notMatch(page.body, /https?:\/\//, 'no external resources');
  for (const asset of ['app.js', 'graph.js', 'panels.js', 'dom.js']) t.match((await get(`${base}${asset}`)).type, /text\/javascript/, asset);
  t.match((await get(`${base}style.css`)).type, /text\/css/);
});

void t.test('a failing source answers 500 and is reported', async (t) => {
  const source = bookinfoSource(0);
  source.cluster = () => { throw new Error('store unavailable'); };
  const errors: unknown[] = [];
  const dashboard = await startDashboard({ source, onError: (err) => errors.push(err) });
  t.teardown(() => dashboard.close());
  const res = await get(`${dashboard.url}api/cluster`);
  t.equal(res.status, 500);
  t.match(errors, [{ code: 'MESHLET_DASHBOARD_SOURCE', message: /store unavailable/ }]);
});

void t.test('the event stream sends a snapshot on connect and throttled snapshots on change', async (t) => {
  const clock = new ManualClock(5_000_000);
  const source = bookinfoSource(0);
  let graphReads = 0;
  const readGraph = source.graph.bind(source);
  source.graph = () => { graphReads++; return readGraph(); };
  const dashboard = await startDashboard({ source, clock, throttleMs: 250, refreshMs: 60_000 });
  const events = await openEvents(dashboard.url);

  const first = await events.next();
  t.equal(first.graph.nodes.length, 6);
  t.equal(first.atMs, 5_000_000);

  source.clusterData.pods.push({ name: 'ratings-v1-1', namespace: 'default', ip: '127.244.1.9', node: 'node-1', phase: 'Running', ready: true });
  const readsBefore = graphReads;
  for (let i = 0; i < 5; i++) source.changed();
  clock.advance(250);
  const second = await events.next();
  t.ok(second.cluster.pods.some((p) => p.name === 'ratings-v1-1'), 'the change arrives');
  t.equal(graphReads - readsBefore, 1, 'five changes inside the throttle window cost one read');

  source.changed();
  clock.advance(250);
  await t.rejects(events.next(300), /no snapshot event/, 'an unchanged snapshot is not re-sent');

  await dashboard.close();
  await t.resolves(events.ended, 'close() ends open event streams');
  t.equal(source.listenerCount(), 0, 'close() unsubscribes from the source');
});
