// Edge rates derived from running totals, on a manual clock.
import t from 'tap';
import { ManualClock } from '../../control/api/index.ts';
import { EdgeRateTracker, type GraphEdge } from '../../control/dashboard/index.ts';

const edge = (requests: number, rps?: number): GraphEdge => ({ source: 'a', target: 'b', requests, errors: 0, p50Ms: 1, rps });

void t.test('rates follow the counter over a sliding window', async (t) => {
  const clock = new ManualClock(1_000_000);
  const rates = new EdgeRateTracker(clock, 10_000);
  const steps: { advanceMs: number; requests: number; rps: number; why: string }[] = [
    { advanceMs: 0, requests: 100, rps: 0, why: 'one sample has no rate' },
    { advanceMs: 1000, requests: 110, rps: 10, why: '10 requests in 1 s' },
    { advanceMs: 1000, requests: 130, rps: 15, why: '30 requests in 2 s' },
    { advanceMs: 4000, requests: 130, rps: 5, why: 'quiet for 4 s: 30 requests in 6 s' },
    { advanceMs: 12_000, requests: 130, rps: 0, why: 'the window slid past the last increase' },
    { advanceMs: 1000, requests: 5, rps: 0, why: 'a reset counter starts over, never negative' },
    { advanceMs: 1000, requests: 25, rps: 20, why: 'counting again after the reset' },
  ];
  for (const step of steps) {
    clock.advance(step.advanceMs);
    const [observed] = rates.observe([edge(step.requests)]);
    t.equal(Math.round((observed!.rps ?? -1) * 100) / 100, step.rps, step.why);
  }
});

void t.test('a rate given by the source wins, and forgotten edges drop their history', async (t) => {
  const clock = new ManualClock(0);
  const rates = new EdgeRateTracker(clock);
  t.equal(rates.observe([edge(10, 42)])[0]!.rps, 42);
  clock.advance(1000);
  t.same(rates.observe([]), []);
  clock.advance(1000);
  t.equal(rates.observe([edge(50)])[0]!.rps, 0, 'no stale sample from before the edge vanished');
});

void t.test('frequent reads keep the history short but the rate exact', async (t) => {
  const clock = new ManualClock(0);
  const rates = new EdgeRateTracker(clock, 10_000);
  let requests = 0;
  let last = 0;
  for (let i = 0; i < 200; i++) {
    clock.advance(50);
    requests += 5;
    last = rates.observe([edge(requests)])[0]!.rps ?? 0;
  }
  t.ok(Math.abs(last - 100) < 1, `steady 100 rps measured as ${last}`);
});
