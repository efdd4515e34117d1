// Acceptance: three replicas (three RateLimitService instances, as three
// sidecars) behind one global 600 requests/minute limit, 50 concurrent
// keep-alive connections of real HTTP traffic for one full window.
//
// Time: a ManualClock starting at a minute boundary. The load runs without
// pause while a driver advances the clock one virtual second per 40 completed
// responses, so the 60 s window passes in ~2400 requests instead of a real
// minute. Each replica stamps the virtual time at which it asked the limiter;
// a request belongs to the window its check happened in.

import http from 'node:http';
import t from 'tap';
import { ManualClock } from '../../control/api/clock.ts';
import { InProcessCounter, StaticPolicySource, createRateLimitService } from '../../mesh/ratelimit/index.ts';
import type { MeshRateLimitService, WindowCounter } from '../../mesh/ratelimit/index.ts';
import { policy } from './fixtures.ts';
import { CHECKED_AT, httpGet, startRedis, startReplica } from './harness.ts';
import type { HttpResult } from './harness.ts';

const WINDOW_START = Date.UTC(2026, 0, 1, 10, 0, 0);
const WINDOW_END = WINDOW_START + 60_000;
const LIMIT = 600;
const CONNECTIONS = 50;
const RESPONSES_PER_VIRTUAL_SECOND = 40;

/** The assertions runWindow uses (structurally what a tap subtest offers). */
interface Asserts {
  ok(value: unknown, message: string): unknown;
  equal(found: unknown, wanted: unknown, message: string): unknown;
  same(found: unknown, wanted: unknown, message: string): unknown;
  comment(...args: unknown[]): unknown;
  teardown(fn: () => unknown): unknown;
}

async function runWindow(
  t: Asserts,
  makeService: (clock: ManualClock, index: number) => MeshRateLimitService,
  hostBase: string,
): Promise<void> {
  const clock = new ManualClock(WINDOW_START);
  const services = [0, 1, 2].map((i) => makeService(clock, i));
  const replicas = await Promise.all(
    services.map((s, i) => startReplica(`${hostBase}${i + 1}`, s, clock, { kind: 'sidecar', namespace: 'default', name: `echo-${i}`, labels: { app: 'echo' } })),
  );
  await Promise.all(services.map((s) => s.ready(5000)));
  const agents = replicas.map(() => new http.Agent({ keepAlive: true, maxSockets: Math.ceil(CONNECTIONS / 3) }));
  t.teardown(async () => {
    for (const a of agents) a.destroy();
    await Promise.all(replicas.map((r) => r.close()));
    await Promise.all(services.map((s) => s.close()));
  });

  const results: HttpResult[] = [];
  let completed = 0;
  let stop = false;
  const worker = async (i: number) => {
    const r = i % 3;
    while (!stop) {
      const res = await httpGet(replicas[r]!.url, agents[r]!, '/echo');
      results.push(res);
      if (++completed % RESPONSES_PER_VIRTUAL_SECOND === 0) {
        if (clock.now() >= WINDOW_END) stop = true;
        else clock.advance(1000);
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => worker(i)));
  const elapsed = Date.now() - started;

  const backendErrors = services.reduce((n, s) => n + s.metrics.backendErrorCount('redis'), 0);
  t.equal(backendErrors, 0, 'no check fell back to failure mode (a Redis timeout under load would fail open)');
  const inWindow = results.filter((r) => {
    const at = Number(r.headers[CHECKED_AT]);
    return at >= WINDOW_START && at < WINDOW_END;
  });
  const admitted = inWindow.filter((r) => r.status === 200);
  const rejected = inWindow.filter((r) => r.status !== 200);
  t.comment(`${results.length} requests in ${elapsed} ms; in the window: ${inWindow.length}, admitted ${admitted.length}, rejected ${rejected.length}`);
  t.ok(inWindow.length >= 2 * LIMIT, 'the load exceeded the limit');
  t.ok(Math.abs(admitted.length - LIMIT) <= LIMIT * 0.02, `admitted ${admitted.length} within ±2% of ${LIMIT}`);
  t.equal(admitted.length, LIMIT, 'fixed window: exactly the limit');
  t.ok(rejected.every((r) => r.status === 429), 'every other request is 429');
  const badRejection = rejected.find((r) => {
    const reset = String(Math.max(1, Math.ceil((WINDOW_END - Number(r.headers[CHECKED_AT])) / 1000)));
    return (
      r.headers['x-envoy-ratelimited'] !== 'true' ||
      r.headers['x-ratelimit-limit'] !== `${LIMIT}, ${LIMIT};w=60` ||
      r.headers['x-ratelimit-remaining'] !== '0' ||
      r.headers['x-ratelimit-reset'] !== reset ||
      r.headers['retry-after'] !== reset
    );
  });
  t.equal(badRejection?.headers, undefined, '429s carry x-envoy-ratelimited, X-RateLimit-* and Retry-After');
  const remaining = admitted.map((r) => Number(r.headers['x-ratelimit-remaining'])).sort((a, b) => a - b);
  t.same(remaining, Array.from({ length: LIMIT }, (_, i) => i), 'one shared budget: every remaining value 599..0 seen exactly once');
  t.ok(admitted.every((r) => r.headers['x-envoy-ratelimited'] === undefined && r.headers['x-ratelimit-limit'] === `${LIMIT}, ${LIMIT};w=60`), 'admitted responses carry the quota headers, not x-envoy-ratelimited');
  // The next window has a fresh budget.
  const next = results.filter((r) => Number(r.headers[CHECKED_AT]) >= WINDOW_END);
  if (next.length > 0) t.equal(next[0]!.status, 200, 'the first request of the next window is admitted');
}

function policySource(): StaticPolicySource {
  return new StaticPolicySource({
    rateLimitPolicies: [
      policy('echo', {
        target: { workloadSelector: { matchLabels: { app: 'echo' } } },
        mode: 'global',
        rules: [{ name: 'all', limit: { requests: LIMIT, unit: 'minute' } }],
      }),
    ],
  });
}

t.test('in-process counter shared by three replicas', async (t) => {
  let counter: WindowCounter | undefined;
  await runWindow(
    t,
    (clock) => {
      counter ??= new InProcessCounter(clock);
      return createRateLimitService({ source: policySource(), clock, counter });
    },
    '127.251.1.',
  );
});

t.test('Redis counter, one connection per replica', async (t) => {
  const redis = await startRedis('127.251.1.10');
  t.teardown(() => redis.kill());
  await runWindow(
    t,
    // A generous bound: this test is about counting, not about a slow Redis on a busy machine.
    (clock) => createRateLimitService({ source: policySource(), clock, redisUrl: redis.url, checkTimeoutMs: 5000 }),
    '127.251.2.',
  );
});
