// Retries, timeouts, fault injection, outlier detection, connection-pool
// overflow. Timing-sensitive cases run on a ManualClock; statistical cases
// are checked within 4σ.

import t from 'tap';
import type { Test } from 'tap';
import type { ServerResponse } from 'node:http';
import { ManualClock } from '../../control/api/index.ts';
import type { Clock } from '../../control/api/index.ts';
import { startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import type { Sidecar } from '../../mesh/index.ts';
import type { Backend, ClientResponse } from './fixtures.ts';
import { destroyAgents, fromYaml, many, pod, service, startBackend, viaProxy, waitFor, within4Sigma } from './fixtures.ts';

const NET = '127.250.3';
let nextClient = 10;

interface World {
  sidecar: Sidecar;
  config: StaticConfigSource;
  logs: string[];
  backends: Backend[];
  get(path?: string, headers?: Record<string, string>): Promise<ClientResponse>;
}

/** A client sidecar and unmeshed backends `svc-<i>` at .<base+i>:8080 behind Service `svc`, plus the given YAML. */
async function world(t: Test, options: { handlers: (Parameters<typeof startBackend>[3] | undefined)[]; yaml?: string; clock?: Clock; random?: () => number; base: number; noServerAt?: number[] }): Promise<World> {
  const client = `${NET}.${nextClient++}`;
  const backends: Backend[] = [];
  const pods = [pod('client', client, { app: 'client' })];
  for (const [i, h] of options.handlers.entries()) {
    const ip = `${NET}.${options.base + i}`;
    if (!options.noServerAt?.includes(i)) backends.push(await startBackend(`svc-${i}`, ip, 8080, h));
    pods.push(pod(`svc-${i}`, ip, { app: 'svc', version: `v${i}` }, { meshed: false, ports: [8080] }));
  }
  const config = new StaticConfigSource({ pods, services: [service('svc', { app: 'svc' }, [{ port: 8080 }])] });
  if (options.yaml) config.apply(...fromYaml(options.yaml));
  const logs: string[] = [];
  const sidecar = await startSidecar({
    identity: { kind: 'sidecar', name: 'client', namespace: 'default', labels: { app: 'client' } },
    podIp: client,
    config,
    clock: options.clock,
    random: options.random,
    accessLog: (l) => logs.push(l),
  });
  t.teardown(async () => {
    destroyAgents();
    await sidecar.close();
    for (const b of backends) await b.close();
  });
  return {
    sidecar,
    config,
    logs,
    backends,
    get: (path = '/', headers = {}) => viaProxy({ host: client, port: 15001 }, `http://svc:8080${path}`, { headers }),
  };
}

const vs = (http: string): string => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: svc }
spec:
  hosts: [svc]
  http:
${http}
`;

const ok = (res: ServerResponse, status = 200): void => {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(String(status));
};

t.test('retries turn a 1-in-3 failing backend into 100% success with attempts: 3', async (t) => {
  const flaky = (_q: unknown, res: ServerResponse, _b: string, n: number): void => ok(res, n % 3 === 0 ? 503 : 200);
  const w = await world(t, { base: 20, handlers: [flaky], yaml: vs('  - route: [{ destination: { host: svc } }]\n    retries: { attempts: 3, retryOn: 5xx }') });
  const results = await many(300, 1, () => w.get());
  t.equal(results.filter((r) => r.status === 200).length, 300, 'all 300 succeed');
  t.ok(w.backends[0]!.hits >= 300 + 90, `backend saw the retries (${w.backends[0]!.hits} hits)`);

  w.config.apply(...fromYaml(vs('  - route: [{ destination: { host: svc } }]\n    retries: { attempts: 0 }')));
  await waitFor(() => w.sidecar.table().revision === w.config.snapshot().revision);
  const without = await many(300, 8, () => w.get());
  const failed = without.filter((r) => r.status === 503).length;
  t.ok(failed >= 90 && failed <= 110, `without retries about a third fail (${failed})`);
});

t.test("Istio's default retry policy retries connect failures", async (t) => {
  // Endpoint 0 has no server: connections are refused. No VirtualService → default policy (2 retries on connect-failure).
  const w = await world(t, { base: 25, handlers: [undefined, undefined], noServerAt: [0] });
  const results = await many(40, 4, () => w.get());
  t.equal(results.filter((r) => r.status === 200).length, 40, 'round robin hits the dead endpoint, the retry lands on the live one');
});

t.test('route timeout → 504 UT exactly at the timeout (ManualClock)', async (t) => {
  const clock = new ManualClock(1_000_000);
  const held: ServerResponse[] = [];
  const w = await world(t, { base: 30, clock, handlers: [(_q, res) => void held.push(res)], yaml: vs('  - route: [{ destination: { host: svc } }]\n    timeout: 1s') });
  const pending = w.get();
  await waitFor(() => held.length === 1, 5000, 'request at the backend');
  let settled = false;
  void pending.then(() => (settled = true));
  clock.advance(999);
  await new Promise((r) => setTimeout(r, 50));
  t.notOk(settled, 'still waiting at 999 ms');
  clock.advance(1);
  const res = await pending;
  t.equal(res.status, 504);
  t.equal(res.body, 'upstream request timeout');
  await waitFor(() => w.logs.length === 1);
  t.match(w.logs[0], / 504 UT /);
  for (const r of held) r.destroy();
});

t.test('perTryTimeout: each try is cut at perTryTimeout, then 504 UT', async (t) => {
  const clock = new ManualClock(2_000_000);
  const held: ServerResponse[] = [];
  const w = await world(t, {
    base: 35, clock, random: () => 0,
    handlers: [(_q, res) => void held.push(res)],
    yaml: vs('  - route: [{ destination: { host: svc } }]\n    retries: { attempts: 2, perTryTimeout: 100ms, retryOn: gateway-error }'),
  });
  const pending = w.get();
  for (let attempt = 1; attempt <= 3; attempt++) {
    // The zero backoff before a retry (random() = 0) is a timer due now: advancing by 0 fires it once it exists.
    await waitFor(() => {
      clock.advance(0);
      return held.length === attempt;
    }, 5000, `try ${attempt} at the backend`);
    clock.advance(99);
    await new Promise((r) => setTimeout(r, 20));
    t.equal(held.length, attempt, `try ${attempt} still running at 99 ms`);
    clock.advance(1);
  }
  const res = await pending;
  t.equal(res.status, 504, 'after 1 try + 2 retries');
  t.equal(held.length, 3);
  await waitFor(() => w.logs.length === 1);
  t.match(w.logs[0], / 504 UT /);
  for (const r of held) r.destroy();
});

t.test('fault delay and abort at 100%', async (t) => {
  const clock = new ManualClock(3_000_000);
  const w = await world(t, {
    base: 40, clock,
    handlers: [(_q, res) => ok(res)],
    yaml: vs(`  - match: [{ uri: { prefix: /delay } }]
    fault: { delay: { fixedDelay: 7s, percentage: { value: 100 } } }
    route: [{ destination: { host: svc } }]
  - match: [{ uri: { prefix: /abort } }]
    fault: { abort: { httpStatus: 418, percentage: { value: 100.0 } } }
    route: [{ destination: { host: svc } }]`),
  });
  const aborted = await w.get('/abort');
  t.equal(aborted.status, 418);
  t.equal(w.backends[0]!.hits, 0, 'an aborted request never reaches the backend');
  const delayed = w.get('/delay');
  let settled = false;
  void delayed.then(() => (settled = true));
  await waitFor(() => clock.pendingTimers() === 1, 5000, 'the delay timer');
  clock.advance(6999);
  await new Promise((r) => setTimeout(r, 50));
  t.notOk(settled, 'held for the delay');
  t.equal(w.backends[0]!.hits, 0);
  clock.advance(1);
  t.equal((await delayed).status, 200);
  await waitFor(() => w.logs.length === 2);
  t.match(w.logs.join('\n'), / 418 FI /);
  t.match(w.logs.join('\n'), / 200 DI /);
});

t.test('fault delay and abort at 50% (within 4σ)', async (t) => {
  const w = await world(t, {
    base: 45,
    handlers: [(_q, res) => ok(res)],
    yaml: vs(`  - match: [{ uri: { prefix: /abort } }]
    fault: { abort: { httpStatus: 503, percentage: { value: 50 } } }
    route: [{ destination: { host: svc } }]
  - match: [{ uri: { prefix: /delay } }]
    fault: { delay: { fixedDelay: 40ms, percentage: { value: 50 } } }
    route: [{ destination: { host: svc } }]`),
  });
  const N = 600;
  const aborts = await many(N, 16, () => w.get('/abort'));
  const n503 = aborts.filter((r) => r.status === 503).length;
  t.ok(within4Sigma(n503, N, 0.5), `aborted ${n503}/${N}`);
  t.equal(w.backends[0]!.hits, N - n503, 'exactly the others reached the backend');
  const M = 300;
  const started = Date.now();
  const timings: number[] = [];
  await many(M, 50, async () => {
    const t0 = Date.now();
    const r = await w.get('/delay');
    timings.push(Date.now() - t0);
    return r;
  });
  await waitFor(() => w.logs.length === N + M);
  const delayed = w.logs.filter((l) => l.includes('"GET /delay') && / DI /.test(l)).length;
  t.ok(within4Sigma(delayed, M, 0.5), `delayed ${delayed}/${M}`);
  t.ok(timings.filter((ms) => ms >= 40).length >= delayed, 'every delayed request took at least the delay');
  t.ok(Date.now() - started >= 40);
});

t.test('outlier detection ejects a failing endpoint and returns it after baseEjectionTime', async (t) => {
  const clock = new ManualClock(4_000_000);
  const w = await world(t, {
    base: 50, clock,
    handlers: [(_q, res) => ok(res), (_q, res) => ok(res, 500)],
    yaml: `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: svc }
spec:
  host: svc
  trafficPolicy:
    outlierDetection: { consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100 }
`,
  });
  const [good, bad] = w.backends;
  const first = await many(6, 1, () => w.get());
  t.equal(bad!.hits, 3, 'round robin sends 3 requests to the bad endpoint before it is ejected');
  t.equal(first.filter((r) => r.status === 500).length, 3);
  const during = await many(20, 1, () => w.get());
  t.ok(during.every((r) => r.status === 200), 'ejected endpoint gets no traffic');
  t.equal(bad!.hits, 3);
  t.same(w.sidecar.clusterStates().find((c) => c.cluster === 'outbound|8080||svc.default.svc.cluster.local')?.ejected, [`${NET}.51:8080`]);
  clock.advance(29_999);
  await many(4, 1, () => w.get());
  t.equal(bad!.hits, 3, 'still ejected just before baseEjectionTime');
  clock.advance(1);
  await many(4, 1, () => w.get());
  t.equal(bad!.hits, 5, 'returned after baseEjectionTime');
  t.ok(good!.hits > 20);
});

t.test('connection pool overflow → 503 UO', async (t) => {
  const held: ServerResponse[] = [];
  const w = await world(t, {
    base: 55,
    handlers: [(_q, res) => void held.push(res)],
    yaml: `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: svc }
spec:
  host: svc
  trafficPolicy:
    connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1 } }
`,
  });
  const first = w.get('/1');
  await waitFor(() => held.length === 1, 5000, 'first request at the backend');
  const second = w.get('/2');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(held.length, 1, 'second request waits in the pending queue');
  const third = await w.get('/3');
  t.equal(third.status, 503, 'third overflows');
  t.match(third.body, /overflow/);
  held[0]!.end('one');
  await waitFor(() => held.length === 2, 5000, 'pending request admitted');
  held[1]!.end('two');
  t.equal((await first).status, 200);
  t.equal((await second).status, 200);
  await waitFor(() => w.logs.length === 3);
  t.match(w.logs.join('\n'), /"GET \/3 HTTP\/1.1" 503 UO /);
});
