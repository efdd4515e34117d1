// Redis holds the counters under envoyproxy/ratelimit's key scheme, with a
// TTL of one window; the sliding window behaves the same in Redis as in process.

import { spawnSync } from 'node:child_process';
import t from 'tap';
import { ManualClock } from '../../control/api/clock.ts';
import { StaticPolicySource, createRateLimitService } from '../../mesh/ratelimit/index.ts';
import type { MeshRateLimitService } from '../../mesh/ratelimit/index.ts';
import { kubeObject, policy, request } from './fixtures.ts';
import { startRedis } from './harness.ts';

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

function redisCli(port: number, host: string, ...args: string[]): string {
  const out = spawnSync('redis-cli', ['-h', host, '-p', String(port), ...args], { encoding: 'utf8' });
  if (out.error) throw new Error(`redis-cli failed (apt-get install -y redis-tools): ${out.error.message}`);
  return out.stdout.trim();
}

t.test('counter keys, values and TTLs in Redis', async (t) => {
  const redis = await startRedis('127.251.4.1');
  t.teardown(() => redis.kill());
  const cm = kubeObject('v1', 'ConfigMap', 'default', 'ratelimit-config', {
    data: { 'config.yaml': 'domain: echo-ratelimit\ndescriptors:\n  - key: PATH\n    value: "/"\n    rate_limit: {unit: minute, requests_per_unit: 1}\n  - key: PATH\n    rate_limit: {unit: minute, requests_per_unit: 100}\n' },
  });
  const clock = new ManualClock(T0 + 12_000);
  const rl = createRateLimitService({ source: new StaticPolicySource({ configMaps: [cm] }), clock, redisUrl: redis.url, keyPrefix: 'ratelimit_', checkTimeoutMs: 5000 });
  t.teardown(() => rl.close());
  await rl.ready(5000);
  const gw = (path: string) => request({ proxy: { kind: 'gateway', namespace: 'istio-system', name: 'istio-ingressgateway', labels: {} }, path });
  t.ok((await rl.check(gw('/'))).allowed);
  t.equal((await rl.check(gw('/'))).status, 429);
  for (let i = 0; i < 3; i++) await rl.check(gw('/reviews'));
  const start = T0 / 1000;
  const keys = redisCli(redis.port, redis.host, '--scan').split('\n').sort();
  t.same(keys, [`ratelimit_echo-ratelimit_PATH_/_${start}`, `ratelimit_echo-ratelimit_PATH_/reviews_${start}`]);
  t.equal(redisCli(redis.port, redis.host, 'GET', `ratelimit_echo-ratelimit_PATH_/_${start}`), '2', 'over-limit hits are counted too');
  t.equal(redisCli(redis.port, redis.host, 'GET', `ratelimit_echo-ratelimit_PATH_/reviews_${start}`), '3');
  const ttl = Number(redisCli(redis.port, redis.host, 'TTL', `ratelimit_echo-ratelimit_PATH_/reviews_${start}`));
  t.ok(ttl > 0 && ttl <= 60, `TTL one window (${ttl})`);
});

async function burstsAcrossBoundary(rl: MeshRateLimitService, clock: ManualClock): Promise<number[]> {
  const burst = async () => {
    let n = 0;
    for (let i = 0; i < 150; i++) if ((await rl.check(request())).allowed) n++;
    return n;
  };
  const out: number[] = [];
  for (const step of [50_000, 10_000, 30_000, 30_000]) {
    clock.advance(step);
    out.push(await burst());
  }
  return out;
}

t.test('sliding window in Redis matches the in-process counter', async (t) => {
  const redis = await startRedis('127.251.4.2');
  t.teardown(() => redis.kill());
  const source = new StaticPolicySource({
    rateLimitPolicies: [
      policy('pp', { target: { workloadSelector: { matchLabels: { app: 'productpage' } } }, mode: 'global', algorithm: 'sliding-window', rules: [{ limit: { requests: 100, unit: 'minute' } }] }),
    ],
  });
  const results: number[][] = [];
  for (const redisUrl of [redis.url, undefined]) {
    const clock = new ManualClock(T0);
    const rl = createRateLimitService({ source, clock, redisUrl, checkTimeoutMs: 5000 });
    await rl.ready(5000);
    results.push(await burstsAcrossBoundary(rl, clock));
    await rl.close();
  }
  t.same(results[0], [100, 0, 50, 50], 'Redis');
  t.same(results[1], results[0], 'in-process equals Redis');
});
