import t from 'tap';
import { ManualClock, isStoreError } from '../../control/api/index.ts';
import { MemoryStore, openStore } from '../../control/store/index.ts';
import { runConformance } from './conformance.ts';

let clock = new ManualClock(0);
runConformance(t, {
  async open(options) {
    clock = new ManualClock(0);
    return new MemoryStore({ clock, ...(options?.historyLimit ? { historyLimit: options.historyLimit } : {}) });
  },
  async connect(store) {
    return store;
  },
  async passTime(ms) {
    clock.advance(ms);
  },
  leaseTtlSeconds: 10,
  expiryDeadlineMs: 0,
});

void t.test('a fresh store is at revision 1 with nothing compacted', async (t) => {
  const store = new MemoryStore();
  t.equal(await store.currentRevision(), 1);
  t.equal(await store.compactedRevision(), 0);
  t.equal(store.backend, 'memory');
  await store.close();
});

void t.test('watch delivery is asynchronous', async (t) => {
  const store = new MemoryStore();
  const seen: number[] = [];
  const w = store.watch('/', { afterRevision: 1 }, (e) => seen.push(e.revision));
  await store.create('/x', 1);
  await new Promise((resolve) => setImmediate(resolve));
  t.same(seen, [2]);
  const before = seen.length;
  void store.create('/y', 2);
  t.equal(seen.length, before, 'no callback runs inside the write call');
  w.close();
  await store.close();
});

void t.test('closing the store ends watches with Unavailable and rejects calls', async (t) => {
  const store = new MemoryStore();
  const errors: string[] = [];
  store.watch('/', {}, () => {}, (err) => errors.push(err.kind));
  await store.close();
  await new Promise((resolve) => setImmediate(resolve));
  t.same(errors, ['Unavailable']);
  const err = await store.get('/x').then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(isStoreError(err, 'Unavailable'), 'calls after close reject with Unavailable');
});

void t.test('openStore picks the backend', async (t) => {
  const mem = await openStore({});
  t.equal(mem.backend, 'memory');
  await mem.close();
  const bad = await openStore({ url: 'http://nope' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.equal((bad as { code?: string } | undefined)?.code, 'MESHLET_STORE_BAD_URL');
});

void t.test('with a journal, nothing is acknowledged, read or watched before it is durable', async (t) => {
  const pending: (() => void)[] = [];
  const journal = { append: () => new Promise<void>((resolve) => pending.push(resolve)) };
  const store = new MemoryStore({}, { journal });
  const events: number[] = [];
  store.watch('/', { afterRevision: 1 }, (e) => events.push(e.revision));
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  let acked = false;
  const write = store.create('/a', 1).then(() => (acked = true));
  let read: unknown = 'pending';
  const get = store.get('/a').then((kv) => (read = kv?.value));
  let listed: unknown = 'pending';
  const list = store.range('/').then((r) => (listed = r.kvs.length));
  await settle();
  t.same({ acked, read, listed, events }, { acked: false, read: 'pending', listed: 'pending', events: [] }, 'all held back');

  (pending.shift() as () => void)();
  await Promise.all([write, get, list]);
  await settle();
  t.same({ acked, read, listed, events }, { acked: true, read: 1, listed: 1, events: [2] }, 'all released once durable');

  let fresh: unknown = 'pending';
  void store.get('/nothing-pending').then((kv) => (fresh = kv));
  await settle();
  t.equal(fresh, undefined, 'reads do not wait when nothing is pending');
  await store.close();
});

void t.test('a failed journal write stops the store with Unavailable', async (t) => {
  const store = new MemoryStore({}, { journal: { append: () => Promise.reject(new Error('disk full')) } });
  const errors: string[] = [];
  store.watch('/', {}, () => {}, (err) => errors.push(err.kind));
  const err = await store.create('/a', 1).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(isStoreError(err, 'Unavailable'), 'the write fails');
  const later = await store.get('/a').then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(isStoreError(later, 'Unavailable'), 'and so does everything after it');
  await new Promise((resolve) => setImmediate(resolve));
  t.same(errors, ['Unavailable'], 'watchers are told');
});
