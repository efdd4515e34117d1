// The Store conformance suite: one set of behaviours every backend (memory,
// file-backed, Redis) must show. Each backend's test file supplies a factory.

import type { Test } from 'tap';
import { isStoreError } from '../../control/api/index.ts';
import type { Store, StoreError, StoreEvent } from '../../control/api/index.ts';
import { waitFor as waitUntil } from '../helpers/wait.ts';

export interface ConformanceBackend {
  /** A fresh, empty store (each subtest gets its own). */
  open(options?: { historyLimit?: number }): Promise<Store>;
  /** Another handle onto the same data as `store` (a second process's view); may be `store` itself. */
  connect(store: Store): Promise<Store>;
  /** Lets lease time pass: advance a ManualClock, or nothing for real-time TTLs (the test then waits with a deadline). */
  passTime(ms: number): Promise<void>;
  /** Shortest lease TTL worth testing with. */
  leaseTtlSeconds: number;
  /** How long a real-time backend may take to expire a lease after its TTL. */
  expiryDeadlineMs: number;
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  await waitUntil(what, condition, { timeoutMs: deadlineMs, intervalMs: 10 });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to reject');
}

function collect(store: Store, prefix: string, afterRevision?: number) {
  const events: StoreEvent[] = [];
  const errors: StoreError[] = [];
  const watch = store.watch(prefix, afterRevision === undefined ? {} : { afterRevision }, (e) => events.push(e), (e) => errors.push(e));
  return { events, errors, watch };
}

export function runConformance(t: Test, backend: ConformanceBackend): void {
  const stores: Store[] = [];
  const open = async (options?: { historyLimit?: number }) => {
    const store = await backend.open(options);
    stores.push(store);
    return store;
  };
  const connect = async (store: Store) => {
    const other = await backend.connect(store);
    if (other !== store) stores.push(other);
    return other;
  };
  t.afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  void t.test('create, get, update, delete with revisions and CAS', async (t) => {
    const store = await open();
    const r0 = await store.currentRevision();
    const created = await store.create('/r/a', { n: 1 });
    t.same(created, { key: '/r/a', value: { n: 1 }, createRevision: r0 + 1, modRevision: r0 + 1, version: 1 });
    t.equal(await store.currentRevision(), r0 + 1, 'each write bumps the revision by one');
    t.same(await store.get('/r/a'), created);
    t.equal(await store.get('/r/missing'), undefined);

    const cases: [string, () => Promise<unknown>, string][] = [
      ['create existing', () => store.create('/r/a', {}), 'AlreadyExists'],
      ['update missing', () => store.update('/r/missing', {}), 'NotFound'],
      ['update stale', () => store.update('/r/a', {}, { expectedModRevision: r0 }), 'Conflict'],
      ['delete missing', () => store.delete('/r/missing'), 'NotFound'],
      ['delete stale', () => store.delete('/r/a', { expectedModRevision: r0 }), 'Conflict'],
      ['create on unknown lease', () => store.create('/r/l', {}, { lease: 'ffffffffffffff01' }), 'LeaseNotFound'],
    ];
    for (const [name, call, kind] of cases) {
      const err = await rejection(call());
      t.ok(isStoreError(err, kind as StoreError['kind']), `${name} → ${kind} (got ${String(err)})`);
    }
    t.equal(await store.currentRevision(), r0 + 1, 'failed writes do not bump the revision');

    const updated = await store.update('/r/a', { n: 2 }, { expectedModRevision: r0 + 1 });
    t.same(updated, { key: '/r/a', value: { n: 2 }, createRevision: r0 + 1, modRevision: r0 + 2, version: 2 });
    const unconditional = await store.update('/r/a', { n: 3 });
    t.equal(unconditional.version, 3);
    const deleted = await store.delete('/r/a', { expectedModRevision: r0 + 3 });
    t.equal(deleted.modRevision, r0 + 4, 'delete reports its own revision');
    t.same(deleted.value, { n: 3 }, 'delete returns the last value');
    t.equal(await store.get('/r/a'), undefined);
    const again = await store.create('/r/a', { n: 9 });
    t.equal(again.version, 1, 'a re-created key starts over');
    t.equal(again.createRevision, r0 + 5);
  });

  void t.test('values are copies: mutating a result does not change the store', async (t) => {
    const store = await open();
    const input = { spec: { list: [1, 2] } };
    await store.create('/c/x', input);
    input.spec.list.push(3);
    const got = await store.get<typeof input>('/c/x');
    t.same(got?.value, { spec: { list: [1, 2] } });
    got?.value.spec.list.push(4);
    t.same((await store.get('/c/x'))?.value, { spec: { list: [1, 2] } });
  });

  void t.test('range pages through a prefix at one revision', async (t) => {
    const store = await open();
    const names = Array.from({ length: 25 }, (_, i) => `/p/a/k${String(i).padStart(2, '0')}`);
    for (const k of [...names].reverse()) await store.create(k, { k });
    await store.create('/p/ab', { outside: true });
    await store.create('/p/b/k', { outside: true });
    await store.create('/p/a', { outside: true });
    const rev = await store.currentRevision();

    const all = await store.range('/p/a/');
    t.same(all.kvs.map((kv) => kv.key), names, 'sorted by key, prefix only');
    t.same({ revision: all.revision, more: all.more, count: all.count }, { revision: rev, more: false, count: 25 });

    const seen: string[] = [];
    let startAfter: string | undefined;
    const pages: { n: number; more: boolean; count: number }[] = [];
    for (;;) {
      const page = await store.range('/p/a/', startAfter === undefined ? { limit: 10 } : { limit: 10, startAfter });
      pages.push({ n: page.kvs.length, more: page.more, count: page.count });
      seen.push(...page.kvs.map((kv) => kv.key));
      if (!page.more) break;
      startAfter = page.kvs[page.kvs.length - 1]?.key;
    }
    t.same(seen, names);
    t.same(pages, [
      { n: 10, more: true, count: 25 },
      { n: 10, more: true, count: 15 },
      { n: 5, more: false, count: 5 },
    ]);
    const empty = await store.range('/nothing/');
    t.same({ kvs: empty.kvs, more: empty.more, count: empty.count }, { kvs: [], more: false, count: 0 });
  });

  void t.test('concurrent writers racing on one key: exactly one wins per revision', async (t) => {
    const store = await open();
    const handles = [store, await connect(store), await connect(store)];
    const base = await store.create('/race/k', { n: 0 });
    const attempts = 24;
    const results = await Promise.allSettled(
      Array.from({ length: attempts }, (_, i) =>
        (handles[i % handles.length] as Store).update('/race/k', { n: i + 1 }, { expectedModRevision: base.modRevision }),
      ),
    );
    const winners = results.filter((r) => r.status === 'fulfilled');
    t.equal(winners.length, 1, 'exactly one CAS on the same revision wins');
    t.ok(
      results.every((r) => r.status === 'fulfilled' || isStoreError(r.reason, 'Conflict')),
      'every loser gets Conflict',
    );

    // Read-modify-write increments from many writers: no lost update.
    const perWriter = 8;
    const writers = 6;
    const revisions: number[] = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const h = handles[w % handles.length] as Store;
        for (let i = 0; i < perWriter; ) {
          const cur = await h.get<{ n: number }>('/race/k');
          if (!cur) throw new Error('key vanished');
          try {
            const kv = await h.update('/race/k', { n: cur.value.n + 1 }, { expectedModRevision: cur.modRevision });
            revisions.push(kv.modRevision);
            i++;
          } catch (err) {
            if (!isStoreError(err, 'Conflict')) throw err;
          }
        }
      }),
    );
    const final = await store.get<{ n: number }>('/race/k');
    const winnerN = (winners[0] as PromiseFulfilledResult<{ value: { n: number } }>).value.value.n;
    t.equal(final?.value.n, winnerN + writers * perWriter, 'no increment lost');
    t.equal(new Set(revisions).size, revisions.length, 'no two writes share a revision');
  });

  void t.test('a watcher sees every event, in order, from concurrent writers', async (t) => {
    const store = await open();
    const handles = [store, await connect(store), await connect(store)];
    const start = await store.currentRevision();
    const w = collect(store, '/w/', start);
    const acked: { revision: number; type: string; key: string }[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, writer) => {
        const h = handles[writer % handles.length] as Store;
        for (let i = 0; i < 15; i++) {
          const key = `/w/${writer}/${i % 4}`;
          const existing = await h.get(key);
          if (!existing) {
            acked.push({ revision: (await h.create(key, { writer, i })).modRevision, type: 'put', key });
          } else if (i % 3 === 0) {
            acked.push({ revision: (await h.delete(key)).modRevision, type: 'delete', key });
          } else {
            acked.push({ revision: (await h.update(key, { writer, i })).modRevision, type: 'put', key });
          }
        }
      }),
    );
    acked.sort((a, b) => a.revision - b.revision);
    await waitFor('all events', () => w.events.length >= acked.length);
    t.same(
      w.events.map((e) => ({ revision: e.revision, type: e.type, key: e.kv.key })),
      acked,
      'every acknowledged write, once, in revision order',
    );
    t.same(acked.map((a) => a.revision), Array.from({ length: acked.length }, (_, i) => start + 1 + i), 'revisions are gapless');
    t.same(w.errors, []);
    w.watch.close();
  });

  void t.test('watch from an old revision replays history, filtered by prefix, with prevKv', async (t) => {
    const store = await open();
    await store.create('/h/a', { v: 1 });
    const mark = await store.currentRevision();
    await store.update('/h/a', { v: 2 });
    await store.create('/other/x', {});
    await store.create('/h/b', { v: 1 });
    await store.delete('/h/a');
    const w = collect(store, '/h/', mark);
    await waitFor('3 replayed events', () => w.events.length >= 3);
    await store.update('/h/b', { v: 2 });
    await waitFor('live event', () => w.events.length >= 4);
    t.same(
      w.events.map((e) => [e.type, e.kv.key, e.kv.value, e.prevKv?.value ?? null, e.revision - mark]),
      [
        ['put', '/h/a', { v: 2 }, { v: 1 }, 1],
        ['put', '/h/b', { v: 1 }, null, 3],
        ['delete', '/h/a', { v: 2 }, { v: 2 }, 4],
        ['put', '/h/b', { v: 2 }, { v: 1 }, 5],
      ],
    );
    t.equal(w.events[2]?.kv.modRevision, mark + 4, 'a delete event carries the delete revision');
    w.watch.close();

    const live = collect(store, '/h/');
    await store.create('/h/c', {});
    await waitFor('future-only watch', () => live.events.length >= 1);
    t.same(live.events.map((e) => e.kv.key), ['/h/c'], 'without afterRevision only future events');
    live.watch.close();
  });

  void t.test('compaction: watching below the compacted revision fails with Compacted', async (t) => {
    const store = await open();
    for (let i = 0; i < 5; i++) await store.create(`/k/${i}`, { i });
    const rev = await store.currentRevision();
    await store.compact(rev - 2);
    t.ok((await store.compactedRevision()) >= rev - 2);
    const old = collect(store, '/k/', rev - 3);
    await waitFor('Compacted error', () => old.errors.length > 0);
    t.ok(isStoreError(old.errors[0], 'Compacted'), 'fails with Compacted');
    t.same(old.events, [], 'and delivers nothing');
    const ok = collect(store, '/k/', rev - 2);
    await waitFor('retained events', () => ok.events.length >= 2);
    t.same(ok.events.map((e) => e.revision), [rev - 1, rev]);
    t.same(ok.errors, []);
    ok.watch.close();
  });

  void t.test('history beyond historyLimit is compacted', async (t) => {
    const store = await open({ historyLimit: 5 });
    const first = await store.currentRevision();
    for (let i = 0; i < 12; i++) await store.create(`/hl/${i}`, { i });
    const rev = await store.currentRevision();
    const old = collect(store, '/hl/', first);
    await waitFor('Compacted error', () => old.errors.length > 0);
    t.ok(isStoreError(old.errors[0], 'Compacted'));
    const recent = collect(store, '/hl/', rev - 5);
    await waitFor('last 5 events', () => recent.events.length >= 5);
    t.same(recent.errors, []);
    recent.watch.close();
  });

  void t.test('a throwing watcher breaks neither the store nor other watchers', async (t) => {
    const store = await open();
    const start = await store.currentRevision();
    let thrown = 0;
    const bad = store.watch('/t/', { afterRevision: start }, () => {
      thrown++;
      throw new Error('watcher bug');
    });
    const good = collect(store, '/t/', start);
    for (let i = 0; i < 5; i++) await store.create(`/t/${i}`, {});
    await waitFor('both watchers saw all', () => thrown >= 5 && good.events.length >= 5);
    t.equal(thrown, 5, 'the throwing watcher still got every event');
    t.equal(good.events.length, 5);
    t.ok(await store.get('/t/4'));
    bad.close();
    good.watch.close();
    await store.create('/t/after-close', {});
    await waitFor('store still writable', async () => (await store.get('/t/after-close')) !== undefined);
    t.equal(thrown, 5, 'a closed watch gets nothing more');
  });

  void t.test('leases: expiry deletes attached keys with delete events; keepAlive; revoke', async (t) => {
    const store = await open();
    const ttl = backend.leaseTtlSeconds;
    const lease = await store.grantLease(ttl);
    t.equal(lease.ttlSeconds, ttl);
    const start = await store.currentRevision();
    const w = collect(store, '/lease/', start);
    const kv = await store.create('/lease/a', { a: 1 }, { lease: lease.id });
    t.equal(kv.lease, lease.id);
    await store.create('/lease/keep', {});
    const updated = await store.update('/lease/a', { a: 2 });
    t.equal(updated.lease, lease.id, 'update without lease keeps the lease');

    await backend.passTime(ttl * 1000 + 100);
    await waitFor('lease expiry', async () => (await store.get('/lease/a')) === undefined, ttl * 1000 + backend.expiryDeadlineMs);
    await waitFor('delete event', () => w.events.some((e) => e.type === 'delete'));
    const del = w.events.find((e) => e.type === 'delete');
    t.equal(del?.kv.key, '/lease/a');
    t.same(del?.kv.value, { a: 2 });
    t.ok(await store.get('/lease/keep'), 'keys without the lease stay');
    t.ok(isStoreError(await rejection(store.keepAlive(lease.id)), 'LeaseNotFound'), 'expired lease is gone');

    const revoked = await store.grantLease(ttl * 10);
    await store.create('/lease/r1', {}, { lease: revoked.id });
    await store.create('/lease/r2', {}, { lease: revoked.id });
    await store.revokeLease(revoked.id);
    t.equal(await store.get('/lease/r1'), undefined, 'revoke deletes attached keys');
    t.equal(await store.get('/lease/r2'), undefined);
    t.ok(isStoreError(await rejection(store.revokeLease(revoked.id)), 'LeaseNotFound'));
    w.watch.close();
  });

  void t.test('keepAlive extends a lease', async (t) => {
    const store = await open();
    const ttl = backend.leaseTtlSeconds;
    const lease = await store.grantLease(ttl);
    await store.create('/ka/a', {}, { lease: lease.id });
    for (let i = 0; i < 4; i++) {
      await backend.passTime(ttl * 500);
      await store.keepAlive(lease.id);
      if (backend.expiryDeadlineMs > 0) await new Promise((resolve) => setTimeout(resolve, ttl * 500));
    }
    t.ok(await store.get('/ka/a'), 'kept alive past twice its TTL');
    await backend.passTime(ttl * 1000 + 100);
    await waitFor('expiry after keepAlive stops', async () => (await store.get('/ka/a')) === undefined, ttl * 1000 + backend.expiryDeadlineMs);
    t.equal(await store.get('/ka/a'), undefined, 'expired once keepAlive stopped');
  });
}
