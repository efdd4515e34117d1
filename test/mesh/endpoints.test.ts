// Endpoint state on its own: pool slots, retry budget, outlier ejection caps,
// pruning after a config change, and consistent hashing stability.

import t from 'tap';
import { ManualClock } from '../../control/api/index.ts';
import { ClusterStates } from '../../mesh/endpoints/state.ts';
import { rendezvousPick } from '../../mesh/endpoints/hash.ts';
import type { EndpointInfo, OutlierPolicy } from '../../mesh/index.ts';

const ep = (i: number): EndpointInfo => ({ address: `127.250.10.${i}`, port: 80, labels: {}, meshed: false });
const outlier = (over: Partial<OutlierPolicy> = {}): OutlierPolicy => ({ consecutive5xx: 2, consecutiveGateway: 0, intervalMs: 1000, baseEjectionMs: 1000, maxEjectionPercent: 10, ...over });

t.test('connection pool: slots, a bounded pending queue, release admits the next', async (t) => {
  const s = new ClusterStates(new ManualClock());
  const pool = { maxRequests: 1, maxPending: 1, maxRetries: 1, connectTimeoutMs: 1000 };
  t.equal(s.acquire('c', pool), true);
  const waiting = s.acquire('c', pool);
  t.type(waiting, Promise, 'second waits');
  t.equal(s.acquire('c', pool), false, 'third overflows');
  s.release('c');
  t.equal(await waiting, true);
  t.equal(s.acquire('c', undefined), true, 'no pool → never limited');
});

t.test('retry budget', async (t) => {
  const s = new ClusterStates(new ManualClock());
  t.ok(s.tryRetry('c', 2));
  t.ok(s.tryRetry('c', 2));
  t.notOk(s.tryRetry('c', 2), 'third concurrent retry overflows');
  s.retryDone('c');
  t.ok(s.tryRetry('c', 2));
});

t.test('outlier: consecutive errors eject; maxEjectionPercent caps (one host always may go); ejection time grows', async (t) => {
  const clock = new ManualClock(0);
  const s = new ClusterStates(clock);
  const all = [ep(1), ep(2), ep(3), ep(4)];
  t.notOk(s.recordResult('c', all[0]!, all, 500, outlier()));
  t.ok(s.recordResult('c', all[0]!, all, 'failure', outlier()), 'second consecutive failure ejects');
  s.recordResult('c', all[1]!, all, 503, outlier());
  t.notOk(s.recordResult('c', all[1]!, all, 503, outlier()), '10% of 4 hosts → only one ejected at a time');
  t.same(s.healthy('c', all).map((e) => e.address), ['127.250.10.2', '127.250.10.3', '127.250.10.4']);
  s.recordResult('c', all[2]!, all, 500, outlier());
  s.recordResult('c', all[2]!, all, 200, outlier());
  t.notOk(s.recordResult('c', all[2]!, all, 500, outlier()), 'a success resets the count');
  clock.advance(1000);
  t.equal(s.healthy('c', all).length, 4, 'back after baseEjectionTime');
  s.recordResult('c', all[0]!, all, 500, outlier());
  t.ok(s.recordResult('c', all[0]!, all, 500, outlier()));
  clock.advance(1999);
  t.equal(s.healthy('c', all).length, 3, 'second ejection lasts 2 × baseEjectionTime');
  clock.advance(1);
  t.equal(s.healthy('c', all).length, 4);
});

t.test('prune drops clusters and endpoints that left the table, keeps the rest', async (t) => {
  const s = new ClusterStates(new ManualClock(0));
  const all = [ep(1), ep(2)];
  s.recordResult('keep', all[0]!, all, 500, outlier({ consecutive5xx: 1, maxEjectionPercent: 100 }));
  s.endpoint('keep', all[1]!);
  s.endpoint('gone', all[0]!);
  s.prune(new Map([['keep', { endpoints: [all[0]!] }]]));
  t.same(s.snapshot().map((c) => c.cluster), ['keep']);
  t.same(s.snapshot()[0]!.ejected, ['127.250.10.1:80'], 'ejection survives the config change');
});

t.test('rendezvous hashing: removing an endpoint only moves the keys it had', async (t) => {
  const five = [1, 2, 3, 4, 5].map(ep);
  const four = five.filter((e) => e.address !== '127.250.10.3');
  const id = (e: EndpointInfo) => `${e.address}:${e.port}`;
  let moved = 0;
  let onRemoved = 0;
  for (let k = 0; k < 1000; k++) {
    const before = rendezvousPick(`user-${k}`, five, id)!;
    const after = rendezvousPick(`user-${k}`, four, id)!;
    if (before.address === '127.250.10.3') onRemoved++;
    else if (before !== after) moved++;
  }
  t.equal(moved, 0, 'keys on surviving endpoints stay');
  t.ok(onRemoved > 120 && onRemoved < 280, `about a fifth of keys were on the removed endpoint (${onRemoved})`);
});
