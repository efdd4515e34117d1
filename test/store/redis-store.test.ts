import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { Store } from '../../control/api/index.ts';
import { openRedisStore, openStore } from '../../control/store/index.ts';
import { runConformance, waitFor } from './conformance.ts';
import { startRedisServer } from './redis-server.ts';
import { connectRedis } from '../../control/store/redis-client.ts';

const writerFixture = fileURLToPath(new URL('./fixtures/redis-writer.ts', import.meta.url));
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

void t.test('separate OS processes sharing one Redis: one gapless revision sequence, no lost CAS update', async (t) => {
  const keyPrefix = 'multiproc:';
  const store = await openRedisStore({ url: redis.url, keyPrefix });
  await store.create('/mp/counter', { n: 0 });
  const start = await store.currentRevision();
  const events: { revision: number; key: string }[] = [];
  const w = store.watch('/mp/', { afterRevision: start }, (e) => events.push({ revision: e.revision, key: e.kv.key }));
  const perProcess = 60;
  const children = ['a', 'b', 'c'].map(
    (id) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import=tsx', writerFixture, redis.url, keyPrefix, id, String(perProcess)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.on('exit', (code) => resolve({ code, out, err }));
      }),
  );
  const results = await Promise.all(children);
  for (const r of results) t.equal(r.code, 0, `writer exited cleanly ${r.err}`);
  const total = 3 * perProcess * 2;
  await waitFor(`${total} events`, () => events.length >= total, 20_000);
  t.same(events.map((e) => e.revision), Array.from({ length: total }, (_, i) => start + 1 + i), 'one gapless sequence across processes');
  t.equal((await store.get<{ n: number }>('/mp/counter'))?.value.n, 3 * perProcess, 'every CAS increment counted once');
  const conflicts = results.reduce((sum, r) => sum + (JSON.parse(r.out.trim() || '{"conflicts":0}') as { conflicts: number }).conflicts, 0);
  t.comment(`${conflicts} CAS conflicts retried across processes`);
  w.close();
  await store.close();
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
});
