import t from 'tap';
import { ManualClock } from '../../control/api/clock.ts';
import { InProcessCounter, StaticPolicySource, createRateLimitService } from '../../mesh/ratelimit/index.ts';
import type { RateLimitDecision } from '../../mesh/ratelimit/index.ts';
import { policy, request, service } from './fixtures.ts';

async function decide(d: RateLimitDecision | Promise<RateLimitDecision>): Promise<RateLimitDecision> {
  return await d;
}

t.test('local mode: a token bucket per sidecar with headers', async (t) => {
  const clock = new ManualClock(1_000_000);
  const source = new StaticPolicySource({
    services: [service('productpage', { app: 'productpage' })],
    rateLimitPolicies: [policy('pp', { target: { service: 'productpage' }, rules: [{ name: 'all', limit: { requests: 3, unit: 'second' } }] })],
  });
  const rl = createRateLimitService({ source, clock });
  t.teardown(() => rl.close());
  const first = await decide(rl.check(request()));
  t.same(first.responseHeaders, { 'X-RateLimit-Limit': '3, 3;w=1', 'X-RateLimit-Remaining': '2', 'X-RateLimit-Reset': '1' });
  t.ok(first.allowed);
  await decide(rl.check(request()));
  await decide(rl.check(request()));
  const denied = await decide(rl.check(request()));
  t.equal(denied.allowed, false);
  t.equal(denied.status, 429);
  t.equal(denied.responseHeaders['x-envoy-ratelimited'], 'true');
  t.equal(denied.responseHeaders['X-RateLimit-Remaining'], '0');
  t.equal(denied.responseHeaders['Retry-After'], '1');
  t.equal(denied.matched, 'RateLimitPolicy default/pp#all');
  // Another replica's sidecar has its own bucket in local mode.
  const other = await decide(rl.check(request({ proxy: { kind: 'sidecar', namespace: 'default', name: 'productpage-v1-xyz', labels: { app: 'productpage' } } })));
  t.ok(other.allowed);
  clock.advance(334);
  t.ok((await decide(rl.check(request()))).allowed, 'one token back after a third of a second');
  t.notOk((await decide(rl.check(request()))).allowed);
  // Not targeted: another app, or outbound traffic.
  t.same(await decide(rl.check(request({ proxy: { kind: 'sidecar', namespace: 'default', name: 'r', labels: { app: 'reviews' } } }))), {
    allowed: true,
    responseHeaders: {},
  });
  t.same((await decide(rl.check(request({ direction: 'outbound' })))).responseHeaders, {});
  const m = rl.metrics.get('default/pp', 'all');
  t.equal(m.totalHits, 7);
  t.equal(m.overLimit, 2);
  t.match(await rl.metrics.render(), /meshlet_ratelimit_over_limit\{domain="default\/pp",descriptor="all",mode="local"\} 2/);
});

t.test('global mode: replicas share one fixed window; the window boundary resets it', async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
  const counter = new InProcessCounter(clock);
  const source = new StaticPolicySource({
    rateLimitPolicies: [
      policy('pp', { target: { workloadSelector: { matchLabels: { app: 'productpage' } } }, mode: 'global', rules: [{ limit: { requests: 10, unit: 'minute' } }] }),
    ],
  });
  const replicas = [1, 2, 3].map(() => createRateLimitService({ source, clock, counter }));
  t.teardown(() => Promise.all(replicas.map((r) => r.close())));
  let admitted = 0;
  for (let i = 0; i < 30; i++) {
    const d = await decide(replicas[i % 3]!.check(request({ proxy: { kind: 'sidecar', namespace: 'default', name: `pp-${i % 3}`, labels: { app: 'productpage' } } })));
    if (d.allowed) admitted++;
    else {
      t.equal(d.status, 429);
      t.equal(d.responseHeaders['Retry-After'], '60');
    }
  }
  t.equal(admitted, 10);
  clock.advance(59_999);
  t.notOk((await decide(replicas[0]!.check(request()))).allowed, 'still the same window 1 ms before its end');
  clock.advance(1);
  const fresh = await decide(replicas[0]!.check(request()));
  t.ok(fresh.allowed, 'new window');
  t.equal(fresh.responseHeaders['X-RateLimit-Remaining'], '9');
  t.equal(fresh.responseHeaders['X-RateLimit-Limit'], '10, 10;w=60');
});

t.test('shadow mode counts but never rejects', async (t) => {
  const clock = new ManualClock(0);
  const source = new StaticPolicySource({
    rateLimitPolicies: [
      policy('pp', { target: { workloadSelector: { matchLabels: { app: 'productpage' } } }, shadowMode: true, rules: [{ name: 's', limit: { requests: 1, unit: 'minute' } }] }),
    ],
  });
  const rl = createRateLimitService({ source, clock });
  t.teardown(() => rl.close());
  for (let i = 0; i < 5; i++) t.ok((await decide(rl.check(request()))).allowed);
  const m = rl.metrics.get('default/pp', 's');
  t.same([m.totalHits, m.overLimit, m.shadowMode], [5, 4, 4]);
});

t.test('policy changes take effect; broken objects are reported, not fatal', async (t) => {
  const clock = new ManualClock(0);
  const source = new StaticPolicySource();
  const rl = createRateLimitService({ source, clock });
  t.teardown(() => rl.close());
  t.same((await decide(rl.check(request()))).responseHeaders, {});
  source.update({
    rateLimitPolicies: [
      policy('good', { target: { workloadSelector: { matchLabels: { app: 'productpage' } } }, rules: [{ limit: { requests: 1, unit: 'hour' } }] }),
      policy('bad', { target: {}, rules: [] } as never),
      policy('orphan', { target: { service: 'missing' }, rules: [{ limit: { requests: 1, unit: 'hour' } }] }),
    ],
  });
  t.ok((await decide(rl.check(request()))).allowed);
  t.notOk((await decide(rl.check(request()))).allowed);
  t.same(
    rl.problems().map((p) => p.object),
    ['RateLimitPolicy default/bad', 'RateLimitPolicy default/orphan'],
  );
  t.match(rl.problems()[0]!.message, /spec\.target/);
});

t.test('local buckets are bounded: least recently used ones go first', async (t) => {
  const clock = new ManualClock(0);
  const source = new StaticPolicySource({
    rateLimitPolicies: [
      policy('pp', {
        target: { workloadSelector: { matchLabels: { app: 'productpage' } } },
        rules: [{ name: 'per-ip', descriptors: [{ type: 'remoteAddress' }], limit: { requests: 1, unit: 'minute' } }],
      }),
    ],
  });
  const rl = createRateLimitService({ source, clock, maxLocalBuckets: 10 });
  t.teardown(() => rl.close());
  const from = (i: number) => request({ sourceIp: `127.251.9.${i}` });
  for (let i = 0; i < 50; i++) t.ok((await decide(rl.check(from(i)))).allowed);
  t.notOk((await decide(rl.check(from(49)))).allowed, 'a recent client keeps its empty bucket');
  t.ok((await decide(rl.check(from(0)))).allowed, 'the oldest bucket was dropped (memory bound over precision)');
});

t.test('a relabelled proxy is matched against its new labels', async (t) => {
  const source = new StaticPolicySource({
    rateLimitPolicies: [policy('pp', { target: { workloadSelector: { matchLabels: { app: 'productpage' } } }, rules: [{ limit: { requests: 5, unit: 'minute' } }] })],
  });
  const rl = createRateLimitService({ source, clock: new ManualClock(0) });
  t.teardown(() => rl.close());
  const proxy = { kind: 'sidecar' as const, namespace: 'default', name: 'pp-0', labels: { app: 'productpage' } };
  t.equal((await decide(rl.check(request({ proxy })))).responseHeaders['X-RateLimit-Remaining'], '4');
  t.equal((await decide(rl.check(request({ proxy })))).responseHeaders['X-RateLimit-Remaining'], '3', 'cached lookup, same bucket');
  const relabelled = { ...proxy, labels: { app: 'canary' } };
  t.same((await decide(rl.check(request({ proxy: relabelled })))).responseHeaders, {});
});
