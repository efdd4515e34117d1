// Acceptance through the real data plane: three echo replicas, each behind its
// own sidecar (mesh/proxy startSidecar) with its own RateLimitService, all
// sharing one global 600 requests/minute budget; a client sidecar sends 50
// concurrent keep-alive connections for one full window.
//
// Time as in global-limit.test.ts: the limiters run on a ManualClock advanced
// one virtual second per 25 completed responses, so the 60 s window passes in
// ~1500 requests (the two proxy hops make each request costlier than in
// global-limit.test.ts). A thin wrapper stamps the virtual time of each check into the
// decision's response headers, so a response is attributed to its window.

import t from 'tap';
import { ManualClock } from '../../control/api/clock.ts';
import { startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import type { Sidecar } from '../../mesh/index.ts';
import { InProcessCounter, StaticPolicySource, createRateLimitService } from '../../mesh/ratelimit/index.ts';
import type { MeshRateLimitService, RateLimitDecision, RateLimitService } from '../../mesh/ratelimit/index.ts';
import { destroyAgents, pod, service as meshService, startBackend, viaProxy } from '../mesh/fixtures.ts';
import type { Backend, ClientResponse } from '../mesh/fixtures.ts';
import { policy, service } from './fixtures.ts';

const NET = '127.251.6';
const CLIENT = `${NET}.10`;
const REPLICAS = [`${NET}.11`, `${NET}.12`, `${NET}.13`];
const WINDOW_START = Date.UTC(2026, 0, 1, 11, 0, 0);
const WINDOW_END = WINDOW_START + 60_000;
const LIMIT = 600;
const CONNECTIONS = 50;
const CHECKED_AT = 'x-test-checked-at';
const RESPONSES_PER_VIRTUAL_SECOND = 25;

function stamped(inner: MeshRateLimitService, clock: ManualClock): RateLimitService {
  return {
    check: (request) => {
      const at = String(clock.now());
      return Promise.resolve(inner.check(request)).then(
        (d): RateLimitDecision => ({ ...d, responseHeaders: { ...d.responseHeaders, [CHECKED_AT]: at } }),
      );
    },
    close: () => inner.close(),
  };
}

t.test('three sidecars share one global budget of 600/min under 50 connections', async (t) => {
  const clock = new ManualClock(WINDOW_START);
  const counter = new InProcessCounter(clock);
  const policies = new StaticPolicySource({
    services: [service('echo', { app: 'echo' })],
    rateLimitPolicies: [policy('echo', { target: { service: 'echo' }, mode: 'global', rules: [{ name: 'all', limit: { requests: LIMIT, unit: 'minute' } }] })],
  });
  const config = new StaticConfigSource({
    pods: [pod('client', CLIENT, { app: 'client' }), ...REPLICAS.map((ip, i) => pod(`echo-${i}`, ip, { app: 'echo' }, { ports: [8080] }))],
    services: [meshService('echo', { app: 'echo' }, [{ port: 8080 }])],
  });
  const backends: Backend[] = [];
  const sidecars: Sidecar[] = [];
  const limiters: MeshRateLimitService[] = [];
  t.teardown(async () => {
    destroyAgents();
    for (const s of sidecars) await s.close();
    for (const l of limiters) await l.close();
    for (const b of backends) await b.close();
  });
  for (const [i, ip] of REPLICAS.entries()) {
    backends.push(await startBackend(`echo-${i}`, ip, 8080));
    const limiter = createRateLimitService({ source: policies, clock, counter });
    limiters.push(limiter);
    sidecars.push(
      await startSidecar({
        identity: { kind: 'sidecar', name: `echo-${i}`, namespace: 'default', labels: { app: 'echo' } },
        podIp: ip,
        config,
        rateLimit: stamped(limiter, clock),
      }),
    );
  }
  sidecars.push(await startSidecar({ identity: { kind: 'sidecar', name: 'client', namespace: 'default', labels: { app: 'client' } }, podIp: CLIENT, config }));

  const results: ClientResponse[] = [];
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const res = await viaProxy({ host: CLIENT, port: 15001 }, 'http://echo:8080/hello');
      results.push(res);
      if (results.length % RESPONSES_PER_VIRTUAL_SECOND === 0) {
        if (clock.now() >= WINDOW_END) stop = true;
        else clock.advance(1000);
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));

  const inWindow = results.filter((r) => {
    const at = Number(r.headers[CHECKED_AT]);
    return at >= WINDOW_START && at < WINDOW_END;
  });
  const admitted = inWindow.filter((r) => r.status === 200);
  const rejected = inWindow.filter((r) => r.status !== 200);
  t.comment(`${results.length} requests in ${Date.now() - started} ms; in the window ${inWindow.length}: admitted ${admitted.length}, rejected ${rejected.length}`);
  t.equal(results.filter((r) => r.headers[CHECKED_AT] === undefined).length, 0, 'every response was decided by a limiter');
  t.ok(inWindow.length >= 2 * LIMIT, `the load (${inWindow.length}) was at least twice the limit`);
  t.ok(Math.abs(admitted.length - LIMIT) <= LIMIT * 0.02, `admitted ${admitted.length} within ±2% of ${LIMIT}`);
  t.same([...new Set(rejected.map((r) => r.status))], [429], 'every other request is 429');
  const wrong = rejected.find(
    (r) =>
      r.headers['x-envoy-ratelimited'] !== 'true' ||
      r.headers['x-ratelimit-limit'] !== `${LIMIT}, ${LIMIT};w=60` ||
      r.headers['x-ratelimit-remaining'] !== '0' ||
      r.headers['retry-after'] !== String(Math.max(1, Math.ceil((WINDOW_END - Number(r.headers[CHECKED_AT])) / 1000))),
  );
  t.equal(wrong?.headers, undefined, '429s carry x-envoy-ratelimited, X-RateLimit-* and Retry-After');
  t.same(
    admitted.map((r) => Number(r.headers['x-ratelimit-remaining'])).sort((a, b) => a - b),
    Array.from({ length: LIMIT }, (_, i) => i),
    'one shared budget across the three sidecars',
  );
  const hits = backends.map((b) => b.hits);
  t.ok(hits.every((h) => h > 0), `every replica served traffic (${hits.join('/')})`);
  t.equal(hits.reduce((a, b) => a + b, 0), results.filter((r) => r.status === 200).length, 'rejected requests never reached an app');
});
