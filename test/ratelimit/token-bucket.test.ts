import t from 'tap';
import { TokenBucket } from '../../mesh/ratelimit/index.ts';

t.test('burst: a full bucket admits max_tokens at once, then rejects', (t) => {
  const b = new TokenBucket({ maxTokens: 5, tokensPerFill: 1, fillIntervalMs: 1000 }, 0);
  const outcomes = Array.from({ length: 7 }, () => b.tryConsume(0));
  t.same(outcomes.map((o) => o.allowed), [true, true, true, true, true, false, false]);
  t.same(outcomes.map((o) => o.remaining), [4, 3, 2, 1, 0, 0, 0]);
  t.equal(outcomes[6]!.msUntilToken, 1000);
  t.equal(outcomes[6]!.msUntilFull, 5000);
  t.end();
});

t.test('refill and fractional refill (table)', (t) => {
  // tokens_per_fill 10 per 1000 ms: 1 token per 100 ms, fractions carried.
  const cases: { name: string; steps: [advanceMs: number, expectAllowed: number][] }[] = [
    { name: 'whole fill after one interval', steps: [[1000, 10]] },
    { name: 'half interval gives half the fill', steps: [[500, 5]] },
    { name: '250 ms gives 2.5 tokens: 2 now, the half kept', steps: [[250, 2], [50, 1]] },
    { name: 'three 40 ms steps add up to 1.2 tokens', steps: [[40, 0], [40, 0], [40, 1]] },
    { name: 'long idle caps at max_tokens', steps: [[60_000, 20]] },
  ];
  for (const c of cases) {
    const b = new TokenBucket({ maxTokens: 20, tokensPerFill: 10, fillIntervalMs: 1000 }, 0);
    let now = 0;
    while (b.tryConsume(now).allowed);
    const got: number[] = [];
    for (const [advance] of c.steps) {
      now += advance;
      let n = 0;
      while (b.tryConsume(now).allowed) n++;
      got.push(n);
    }
    t.same(got, c.steps.map((s) => s[1]), c.name);
  }
  t.end();
});

t.test('exact math for awkward rates (no float drift over many refills)', (t) => {
  // 3 tokens per 7 ms for 7000 ms = exactly 3000 tokens, however finely time is sliced.
  const b = new TokenBucket({ maxTokens: 1_000_000, tokensPerFill: 3, fillIntervalMs: 7 }, 0);
  let now = 0;
  while (b.tryConsume(now).allowed);
  let admitted = 0;
  for (let i = 0; i < 7000; i++) {
    now += 1;
    while (b.tryConsume(now).allowed) admitted++;
  }
  t.equal(admitted, 3000);
  t.equal(b.tokens(now), 0);
  t.end();
});

t.test('msUntilToken counts the fraction already accrued', (t) => {
  const b = new TokenBucket({ maxTokens: 1, tokensPerFill: 1, fillIntervalMs: 1000 }, 0);
  t.ok(b.tryConsume(0).allowed);
  const o = b.tryConsume(600);
  t.notOk(o.allowed);
  t.equal(o.msUntilToken, 400);
  t.ok(b.tryConsume(1000).allowed);
  t.end();
});
