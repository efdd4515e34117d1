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
