import t from 'tap';
import { ManualClock } from '../../control/api/clock.ts';
import type { RateLimitAlgorithm } from '../../control/api/ratelimit-policy.ts';
import {
  StaticPolicySource,
  counterKey,
  createRateLimitService,
  fixedWindowOutcome,
  slidingWindowOutcome,
  windowStartSeconds,
} from '../../mesh/ratelimit/index.ts';
import { policy, request } from './fixtures.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // a minute, hour and day boundary

t.test('window starts and counter keys follow envoyproxy/ratelimit (table)', (t) => {
  const cases: [nowMs: number, unit: 'second' | 'minute' | 'hour' | 'day', start: number][] = [
    [T0, 'minute', T0 / 1000],
    [T0 + 59_999, 'minute', T0 / 1000],
    [T0 + 60_000, 'minute', T0 / 1000 + 60],
    [T0 + 1_500, 'second', T0 / 1000 + 1],
    [T0 + 3_599_999, 'hour', T0 / 1000],
    [T0 + 12 * 3600_000 - 1, 'day', T0 / 1000 - 12 * 3600],
  ];
  for (const [now, unit, start] of cases) t.equal(windowStartSeconds(now, unit), start, `${unit} at +${now - T0}ms`);
  t.equal(
    counterKey('ratelimit_', 'echo-ratelimit', [{ key: 'PATH', value: '/' }, { key: 'remote_address', value: '10.0.0.1' }], 1700000040),
    'ratelimit_echo-ratelimit_PATH_/_remote_address_10.0.0.1_1700000040',
  );
  t.end();
});

t.test('fixed window outcome: over, near (80%), remaining, reset (table)', (t) => {
  const cases: [after: number, over: boolean, near: boolean, remaining: number][] = [
    [1, false, false, 9],
    [8, false, false, 2],
    [9, false, true, 1],
    [10, false, true, 0],
    [11, true, false, 0],
  ];
  for (const [after, over, near, remaining] of cases) {
    const o = fixedWindowOutcome(10, after, T0 + 45_500, 'minute');
    t.same([o.over, o.near, o.remaining, o.resetSeconds], [over, near, remaining, 15], `after=${after}`);
  }
  t.end();
});

t.test('sliding window estimate weighs the previous window (table)', (t) => {
  const cases: [elapsedMs: number, previous: number, after: number, over: boolean][] = [
    [0, 10, 1, true], // previous fully weighted: 10 + 1 > 10
    [30_000, 10, 5, false], // 5 + 5 = 10
    [30_000, 10, 6, true], // 5 + 6 = 11
    [54_000, 10, 10, true], // 10 × 0.1 + 10 = 11
    [54_000, 10, 9, false], // 10 × 0.1 + 9 = 10
  ];
  for (const [elapsed, previous, after, over] of cases) {
    const o = slidingWindowOutcome(10, after, previous, 1, T0 + elapsed, 'minute');
    t.equal(o.over, over, `elapsed=${elapsed} prev=${previous} cur=${after}`);
    t.equal(o.refund, over ? 1 : 0);
  }
  t.end();
});

async function admittedAcrossBoundary(algorithm: RateLimitAlgorithm): Promise<number[]> {
  const clock = new ManualClock(T0);
  const source = new StaticPolicySource({
    rateLimitPolicies: [
      policy('pp', { target: { workloadSelector: { matchLabels: { app: 'productpage' } } }, mode: 'global', algorithm, rules: [{ limit: { requests: 100, unit: 'minute' } }] }),
    ],
  });
  const rl = createRateLimitService({ source, clock });
  const burst = async () => {
    let n = 0;
    for (let i = 0; i < 300; i++) if ((await rl.check(request())).allowed) n++;
    return n;
  };
  const out: number[] = [];
  clock.advance(50_000); // late in window 1 (previous window empty)
  out.push(await burst());
  clock.advance(10_000); // start of window 2
  out.push(await burst());
  clock.advance(30_000); // middle of window 2
  out.push(await burst());
  clock.advance(30_000); // start of window 3
  out.push(await burst());
  await rl.close();
  return out;
}

t.test('fixed window admits 2x the limit around a boundary; sliding window does not', async (t) => {
  const fixed = await admittedAcrossBoundary('fixed-window');
  t.same(fixed, [100, 100, 0, 100], 'fixed: 200 within 10 s across the boundary');
  const sliding = await admittedAcrossBoundary('sliding-window');
  // Window 1 late burst: 100. Start of window 2: previous weighs 100% → 0.
  // Middle of window 2: previous weighs 50% → 50. Start of window 3: previous (50) weighs 100% → 50.
  t.same(sliding, [100, 0, 50, 50], 'sliding: never more than the limit within any window length');
});
