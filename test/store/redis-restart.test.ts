// The Redis backend across a Redis crash: calls fail with Unavailable while it
// is down, and once it is back (with an AOF) writes go on and watchers resume
// without a gap.

import t from 'tap';
import { isStoreError } from '../../control/api/index.ts';
import { openRedisStore } from '../../control/store/index.ts';
import { waitFor } from './conformance.ts';
import { startRedisServer } from './redis-server.ts';

const redis = await startRedisServer({ persistent: true });
t.teardown(() => redis.close());

void t.test('a persistent Redis restarting under a running store', async (t) => {
  const store = await openRedisStore({ url: redis.url, keyPrefix: 'restart:' });
  const start = await store.currentRevision();
  const seen: number[] = [];
  const errors: string[] = [];
  const w = store.watch('/k/', { afterRevision: start }, (e) => seen.push(e.revision), (err) => errors.push(err.kind));
  for (let i = 0; i < 5; i++) await store.create(`/k/${i}`, { i });
  await waitFor('events before the crash', () => seen.length >= 5);

  await redis.crash();
  const down = await store.create('/k/during', {}).then(
    () => undefined,
    (err: unknown) => err,
  );
  t.ok(isStoreError(down, 'Unavailable'), `a write while Redis is down fails with Unavailable (got ${String(down)})`);

  await redis.start();
  let written = false;
  await waitFor('writes succeed after Redis is back', async () => {
    try {
      await store.create('/k/after', {});
      written = true;
    } catch (err) {
      // AlreadyExists: an earlier attempt reached Redis but its reply was lost with the connection.
      if (isStoreError(err, 'AlreadyExists')) written = true;
      else if (!isStoreError(err, 'Unavailable')) throw err;
    }
    return written;
  }, 15_000);
  for (let i = 0; i < 5; i++) await store.create(`/k/after${i}`, {});
  const rev = await store.currentRevision();
  await waitFor('watcher resumed after the restart', () => seen.length > 0 && (seen[seen.length - 1] as number) >= rev, 15_000);
  t.same(seen, Array.from({ length: rev - start }, (_, i) => start + 1 + i), 'the watcher saw every revision once, in order, across the restart');
  t.same(errors, []);
  t.equal((await store.range('/k/')).count, 11, 'data written before the crash is still there');
  w.close();
  await store.close();
});
