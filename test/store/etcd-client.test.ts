// The etcd backend's pure parts: which failures are retried (a txn the
// cluster may have applied must never be re-sent), lease id forms, key ranges.

import t from 'tap';
import { etcdRange, leaseFromWire, leaseToWire, withRetry } from '../../control/store/etcd-client.ts';

void t.test('withRetry re-sends only what cannot be applied twice', async (t) => {
  const cases: { name: string; idempotent: boolean; error: string; calls: number }[] = [
    { name: 'write refused before sending', idempotent: false, error: '14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED', calls: 3 },
    { name: 'write held back by the circuit breaker', idempotent: false, error: 'Execution prevented because the circuit breaker is open', calls: 3 },
    { name: 'write whose connection dropped after sending', idempotent: false, error: '14 UNAVAILABLE: Connection dropped', calls: 1 },
    { name: 'write past its deadline', idempotent: false, error: '4 DEADLINE_EXCEEDED: Deadline exceeded', calls: 1 },
    { name: 'read whose connection dropped', idempotent: true, error: '14 UNAVAILABLE: Connection dropped', calls: 3 },
    { name: 'read during an election', idempotent: true, error: 'etcdserver: leader changed', calls: 3 },
    { name: 'read past its deadline', idempotent: true, error: '4 DEADLINE_EXCEEDED: Deadline exceeded', calls: 1 },
  ];
  for (const c of cases) {
    let calls = 0;
    const err = await withRetry(c.idempotent, 3, async () => {
      calls++;
      throw new Error(c.error);
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.equal(calls, c.calls, `${c.name}: ${c.calls} call(s)`);
    t.match(err, { message: c.error }, `${c.name}: the last error reaches the caller`);
  }
  let n = 0;
  const value = await withRetry(false, 3, async () => {
    if (++n < 2) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
    return 'ok';
  });
  t.equal(value, 'ok', 'a retried call that succeeds returns its value');
});

void t.test('lease ids: 16 hex digits outside, signed 64-bit decimal on the wire', async (t) => {
  for (const [hex, wire] of [
    ['0000000000000001', '1'],
    ['694d7d6a1d2c3b0a', BigInt('0x694d7d6a1d2c3b0a').toString()],
    ['ffffffffffffff01', '-255'],
  ] as const) {
    t.equal(leaseToWire(hex), wire, hex);
    t.equal(leaseFromWire(wire), hex, wire);
  }
  t.equal(leaseToWire('not-a-lease'), undefined, 'a malformed id names no lease');
  t.equal(leaseFromWire('0'), undefined, 'lease 0 is "no lease"');
});

void t.test('etcdRange covers exactly the keys under a prefix', async (t) => {
  const hex = (p: string, k: string) => {
    const r = etcdRange(p, k);
    return [r.key.toString('hex'), r.range_end.toString('hex')];
  };
  t.same(hex('', '/registry/'), [Buffer.from('/registry/').toString('hex'), Buffer.from('/registry0').toString('hex')]);
  t.same(hex('/c1', '/a'), [Buffer.from('/c1/a').toString('hex'), Buffer.from('/c1/b').toString('hex')], 'the store prefix comes first');
  t.same(hex('', ''), ['00', '00'], 'no prefix at all: the whole keyspace');
});
