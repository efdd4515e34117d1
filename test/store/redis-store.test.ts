import t from 'tap';
import type { Store } from '../../control/api/index.ts';
import { RedisStore, openRedisStore, openStore } from '../../control/store/index.ts';
import { runConformance, waitFor } from './conformance.ts';
import { startRedisServer } from './redis-server.ts';
import { connectRedis } from '../../control/store/redis-client.ts';

const connectAdmin = () => connectRedis({ url: redis.url }, []);

const redis = await startRedisServer();
t.teardown(() => redis.close());

let n = 0;
const prefixes = new Map<Store, string>();
void t.test('conformance', async (t) => {
  runConformance(t, {
    async open(options) {
      const keyPrefix = `conf${n++}:`;
      const store = await openRedisStore({ url: redis.url, keyPrefix, reapIntervalMs: 50, ...(options?.historyLimit ? { historyLimit: options.historyLimit } : {}) });
      prefixes.set(store, keyPrefix);
      return store;
    },
    async connect(store) {
      return openRedisStore({ url: redis.url, keyPrefix: prefixes.get(store) as string, reapIntervalMs: 50 });
    },
    async passTime() {},
    leaseTtlSeconds: 1,
    expiryDeadlineMs: 5_000,
  });
});

void t.test('openStore: redis url with ?prefix= isolates clusters sharing one Redis', async (t) => {
  const a = await openStore({ url: `${redis.url}?prefix=clusterA:` });
  const b = await openStore({ url: `${redis.url}?prefix=clusterB:` });
  t.equal(a.backend, 'redis');
  await a.create('/x', { from: 'a' });
  t.equal(await b.get('/x'), undefined, 'b does not see a');
  t.equal(await b.currentRevision(), 1);
  await a.close();
  await b.close();
});

void t.test('two processes see one revision sequence; a watcher on one sees writes from the other', async (t) => {
  const a = await openRedisStore({ url: redis.url, keyPrefix: 'shared:' });
  const b = await openRedisStore({ url: redis.url, keyPrefix: 'shared:' });
  const start = await a.currentRevision();
  const seen: number[] = [];
  const w = a.watch('/s/', { afterRevision: start }, (e) => seen.push(e.revision));
  const revs = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).create(`/s/${i}`, { i }).then((kv) => kv.modRevision)));
  t.same([...revs].sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => start + 1 + i), 'gapless, no duplicates across processes');
  await waitFor('40 events', () => seen.length >= 40);
  t.same(seen, [...revs].sort((x, y) => x - y));
  w.close();
  await a.close();
  await b.close();
});

void t.test('a watch far behind the tailer catches up across pages and splices onto live events', async (t) => {
  const store = await openRedisStore({ url: redis.url, keyPrefix: 'catchup:', historyLimit: 5000 });
  const start = await store.currentRevision();
  for (let i = 0; i < 2500; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => store.create(`/c/${i + j}`, {})));
  }
  // A live watcher proves the tailer has read everything, so the next watch starts behind it.
  let live = 0;
  const liveWatch = store.watch('/c/', {}, () => live++);
  await store.create('/c/marker', {});
  await waitFor('tailer caught up', () => live >= 1);
  liveWatch.close();
  const seen: number[] = [];
  const w = store.watch('/c/', { afterRevision: start }, (e) => seen.push(e.revision));
  const more = Promise.all(Array.from({ length: 100 }, (_, j) => store.create(`/c/late${j}`, {})));
  await more;
  await waitFor('2601 events', () => seen.length >= 2601);
  t.same(seen, Array.from({ length: 2601 }, (_, i) => start + 1 + i), 'every revision once, in order, across XRANGE pages and the live feed');
  w.close();
  await store.close();
});

void t.test('watchers get Compacted when Redis loses its data (restart without persistence)', async (t) => {
  const store = await openRedisStore({ url: redis.url, keyPrefix: 'reset:' });
  const errors: string[] = [];
  store.watch('/', { afterRevision: await store.currentRevision() }, () => {}, (err) => errors.push(err.kind));
  for (let i = 0; i < 5; i++) await store.create(`/r${i}`, {});
  // Drop every key of this prefix, as a Redis restart without persistence would.
  const admin = await connectAdmin();
  const keys = (await admin.call('KEYS', 'reset:*')) as string[];
  if (keys.length) await admin.call('DEL', ...keys);
  await admin.close();
  await waitFor('Compacted after reset', () => errors.length > 0);
  t.same(errors, ['Compacted']);
  t.equal(await store.currentRevision(), 1, 'the store follows Redis back to a fresh state');
  await store.close();
});

void t.test('an unreachable Redis fails the open with Unavailable', async (t) => {
  await t.rejects(openRedisStore({ url: 'unix:///nonexistent/redis.sock' }), { code: 'MESHLET_STORE_UNAVAILABLE' } as unknown as Error);
  t.ok(RedisStore);
});
