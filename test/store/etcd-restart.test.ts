// The etcd backend across an etcd crash: calls fail with Unavailable while it
// is down (the process keeps running), and once it is back writes go on and
// a watch resumes without a gap or a duplicate.

import t from 'tap';
import { isStoreError } from '../../control/api/index.ts';
import { openEtcdStore } from '../../control/store/index.ts';
import { waitFor } from './conformance.ts';
import { startEtcd } from './etcd-server.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.close());
const member = etcd.members[0];
if (!member) throw new Error('no member');

void t.test('etcd restarting under a running store', async (t) => {
  const store = await openEtcdStore({ endpoints: etcd.endpoints, requestTimeoutMs: 2_000 });
  const start = await store.currentRevision();
  const seen: number[] = [];
  const errors: string[] = [];
  const w = store.watch('/k/', { afterRevision: start }, (e) => seen.push(e.revision), (err) => errors.push(err.kind));
  for (let i = 0; i < 5; i++) await store.create(`/k/${i}`, { i });
  await waitFor('events before the crash', () => seen.length >= 5);

  await member.kill();
  for (const [name, call] of [
    ['write', () => store.create('/k/during', {})],
    ['read', () => store.get('/k/0')],
    ['lease', () => store.grantLease(5)],
  ] as const) {
    const err = await (call() as Promise<unknown>).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(isStoreError(err, 'Unavailable'), `a ${name} while etcd is down fails with Unavailable (got ${String(err)})`);
  }

  await member.start();
  let written = false;
  await waitFor('writes succeed after etcd is back', async () => {
    try {
      await store.create('/k/after', {});
      written = true;
    } catch (err) {
      if (!isStoreError(err, 'Unavailable')) throw err;
    }
    return written;
  }, 30_000);
  for (let i = 0; i < 5; i++) await store.create(`/k/after${i}`, {});
  const rev = await store.currentRevision();
  await waitFor('watcher resumed after the restart', () => seen.length > 0 && (seen[seen.length - 1] as number) >= rev, 30_000);
  t.same(seen, Array.from({ length: rev - start }, (_, i) => start + 1 + i), 'the watcher saw every revision once, in order, across the restart');
  t.same(errors, []);
  t.equal((await store.range('/k/')).count, 11, 'data written before the crash is still there');
  w.close();
  await store.close();
});

void t.test('calls to a member that stopped answering end with Unavailable at the deadline, keepAlive included', async (t) => {
  const store = await openEtcdStore({ endpoints: etcd.endpoints, requestTimeoutMs: 1_000 });
  const lease = await store.grantLease(30);
  member.pause();
  try {
    for (const [name, call] of [
      ['keepAlive', () => store.keepAlive(lease.id)],
      ['get', () => store.get('/k/0')],
    ] as const) {
      const began = Date.now();
      const err = await (call() as Promise<unknown>).then(
        () => undefined,
        (e: unknown) => e,
      );
      t.ok(isStoreError(err, 'Unavailable'), `${name} on a silent member fails with Unavailable (got ${String(err)})`);
      t.ok(Date.now() - began < 8_000, `${name} gave up near its 1 s deadline (${Date.now() - began} ms; the client may retry)`);
    }
  } finally {
    member.resume();
  }
  await waitFor('keepAlive works again', async () => {
    try {
      await store.keepAlive(lease.id);
      return true;
    } catch {
      return false;
    }
  }, 20_000);
  await store.create('/after-pause', { ok: true }, { lease: lease.id });
  t.equal((await store.get<{ ok: boolean }>('/after-pause'))?.lease, lease.id, 'the lease is still alive once the member answers: a key can be attached to it');
  await store.close();
});
