// Redis killed mid-run: checks stay bounded and never crash the process,
// failure mode is applied (open by default, 500 with failureModeDeny), and
// counting resumes by itself when a new Redis starts on the same port.

import http from 'node:http';
import t from 'tap';
import { ManualClock } from '../../control/api/clock.ts';
import { StaticPolicySource, createRateLimitService } from '../../mesh/ratelimit/index.ts';
import type { RateLimitDecision, RateLimitRequest } from '../../mesh/ratelimit/index.ts';
import { policy, request } from './fixtures.ts';
import { httpGet, startRedis, startReplica, waitFor } from './harness.ts';

const HOST = '127.251.3.1';

function proxyFor(app: string): RateLimitRequest['proxy'] {
  return { kind: 'sidecar', namespace: 'default', name: `${app}-0`, labels: { app } };
}

t.test('kill Redis, observe failure modes, restart Redis on the same port', async (t) => {
  const redis = await startRedis(HOST);
  const redisProcesses = [redis];
  t.teardown(() => Promise.all(redisProcesses.map((p) => p.kill())));
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 8, 0, 0));
  const global = (name: string, app: string, failureModeDeny: boolean) =>
    policy(name, { target: { workloadSelector: { matchLabels: { app } } }, mode: 'global', failureModeDeny, rules: [{ name: 'all', limit: { requests: 100, unit: 'hour' } }] });
  const source = new StaticPolicySource({ rateLimitPolicies: [global('open', 'open', false), global('deny', 'deny', true)] });
  const rl = createRateLimitService({ source, clock, redisUrl: redis.url, checkTimeoutMs: 200 });
  t.teardown(() => rl.close());
  await rl.ready(5000);
  const server = await startReplica('127.251.3.2', rl, clock, proxyFor('deny'));
  const agent = new http.Agent({ keepAlive: false });
  t.teardown(async () => {
    agent.destroy();
    await server.close();
  });

  const openReq = request({ proxy: proxyFor('open') });
  const denyReq = request({ proxy: proxyFor('deny') });
  const timed = async (r: RateLimitRequest): Promise<{ d: RateLimitDecision; ms: number }> => {
    const start = Date.now();
    const d = await rl.check(r);
    return { d, ms: Date.now() - start };
  };

  t.equal((await timed(openReq)).d.responseHeaders['X-RateLimit-Remaining'], '99');
  t.equal((await timed(openReq)).d.responseHeaders['X-RateLimit-Remaining'], '98');
  t.equal((await httpGet(server.url, agent)).status, 200);

  await redis.kill();
  let slowest = 0;
  for (let i = 0; i < 5; i++) {
    const open = await timed(openReq);
    const deny = await timed(denyReq);
    slowest = Math.max(slowest, open.ms, deny.ms);
    t.same(open.d, { allowed: true, responseHeaders: {} }, 'fail open: allowed, no quota headers');
    t.equal(deny.d.allowed, false);
    t.equal(deny.d.status, 500, 'failureModeDeny: 500');
  }
  t.ok(slowest < 1000, `each check stays bounded while Redis is down (slowest ${slowest} ms)`);
  const viaHttp = await httpGet(server.url, agent);
  t.equal(viaHttp.status, 500, 'the denying replica answers 500 over HTTP');
  const failures = rl.metrics.failureModeCounts();
  t.ok(failures.open >= 5 && failures.deny >= 5, `failure decisions counted (${JSON.stringify(failures)})`);
  t.ok(rl.metrics.backendErrorCount('redis') >= 10);
  t.match(await rl.metrics.render(), /meshlet_ratelimit_failure_mode_total\{decision="deny"\} \d+/);

  redisProcesses.push(await startRedis(HOST, redis.port));
  await waitFor(async () => (await rl.check(openReq)).responseHeaders['X-RateLimit-Remaining'] !== undefined, 10_000, 'counting to resume');
  // The new Redis started empty: the first counted check above used 1 of 100.
  const after = await timed(openReq);
  t.equal(after.d.responseHeaders['X-RateLimit-Remaining'], '98', 'counting resumed in the new Redis');
  t.equal((await timed(denyReq)).d.allowed, true, 'the deny-mode policy admits again');
  t.equal((await httpGet(server.url, agent)).status, 200);
});

t.test('kill Redis under concurrent HTTP load: every request still answers, then counting resumes', async (t) => {
  const host = '127.251.3.5';
  const redis = await startRedis(host);
  const redisProcesses = [redis];
  t.teardown(() => Promise.all(redisProcesses.map((p) => p.kill())));
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 8, 0, 0));
  const source = new StaticPolicySource({
    rateLimitPolicies: [
      policy('open', { target: { workloadSelector: { matchLabels: { app: 'open' } } }, mode: 'global', rules: [{ name: 'all', limit: { requests: 1_000_000, unit: 'hour' } }] }),
    ],
  });
  const rl = createRateLimitService({ source, clock, redisUrl: redis.url, checkTimeoutMs: 200 });
  t.teardown(() => rl.close());
  await rl.ready(5000);
  const server = await startReplica('127.251.3.6', rl, clock, proxyFor('open'));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  t.teardown(async () => {
    agent.destroy();
    await server.close();
  });

  const seen = { counted: 0, failOpen: 0, other: 0, slowestMs: 0 };
  let phase: 'before' | 'down' | 'after' = 'before';
  const countedIn = { before: 0, down: 0, after: 0 };
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const started = Date.now();
      const res = await httpGet(server.url, agent);
      seen.slowestMs = Math.max(seen.slowestMs, Date.now() - started);
      if (res.status !== 200) seen.other++;
      else if (res.headers['x-ratelimit-remaining'] !== undefined) {
        seen.counted++;
        countedIn[phase]++;
      } else seen.failOpen++;
    }
  };
  const load = Promise.all(Array.from({ length: 10 }, worker));
  await waitFor(() => countedIn.before >= 50, 10_000, 'counted requests before the kill');
  await redis.kill();
  phase = 'down';
  await waitFor(() => seen.failOpen >= 50, 10_000, 'fail-open answers while Redis is down');
  redisProcesses.push(await startRedis(host, redis.port));
  phase = 'after';
  await waitFor(() => countedIn.after >= 50, 10_000, 'counting to resume in the new Redis');
  stop = true;
  await load;
  t.comment(JSON.stringify({ ...seen, countedIn }));
  t.equal(seen.other, 0, 'no request failed: every answer was 200 (counted or fail-open)');
  t.ok(seen.slowestMs < 2000, `no request hung (slowest ${seen.slowestMs} ms)`);
  t.ok(rl.metrics.failureModeCounts().open >= 50);
});
