// RateLimitMetrics on its own prom-client registry: the exposition parses,
// keeps envoyproxy/ratelimit's counter set, and instances do not collide.

import t from 'tap';
import { RateLimitMetrics } from '../../mesh/ratelimit/metrics.ts';
import { parseExposition, samplesOf } from '../helpers/prom-text.ts';

t.test('descriptor counters, backend errors and failure modes in one parseable text', async (t) => {
  const m = new RateLimitMetrics();
  const fresh = parseExposition(await m.render());
  t.same(samplesOf(fresh, 'meshlet_ratelimit_failure_mode_total').map((s) => [s.labels.decision, s.value]), [['allow', 0], ['deny', 0]], 'both failure decisions exposed from the start');

  m.recordHit('default/pp', 'per-user', 'global', { over: false, near: true, shadow: false });
  m.recordHit('default/pp', 'per-user', 'global', { over: true, near: false, shadow: true });
  m.recordBackendError('redis');
  m.recordFailureDecision(true);
  const e = parseExposition(await m.render());
  const one = (name: string): number | undefined => samplesOf(e, name, { domain: 'default/pp', descriptor: 'per-user', mode: 'global' })[0]?.value;
  t.same(
    ['total_hits', 'over_limit', 'near_limit', 'within_limit', 'shadow_mode'].map((n) => one(`meshlet_ratelimit_${n}`)),
    [2, 1, 1, 1, 1],
  );
  for (const n of ['total_hits', 'over_limit', 'near_limit', 'within_limit', 'shadow_mode']) t.equal(e.types.get(`meshlet_ratelimit_${n}`), 'counter');
  t.equal(samplesOf(e, 'meshlet_ratelimit_backend_errors_total', { backend: 'redis' })[0]?.value, 1);
  t.equal(samplesOf(e, 'meshlet_ratelimit_failure_mode_total', { decision: 'deny' })[0]?.value, 1);
  t.same(m.get('default/pp', 'per-user'), { totalHits: 2, overLimit: 1, nearLimit: 1, withinLimit: 1, shadowMode: 1 }, 'the query API agrees');

  const other = new RateLimitMetrics();
  t.equal(samplesOf(parseExposition(await other.render()), 'meshlet_ratelimit_total_hits').length, 0, 'a second instance has its own registry');
});
