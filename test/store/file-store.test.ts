import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ManualClock, isStoreError } from '../../control/api/index.ts';
import type { Store } from '../../control/api/index.ts';
import { openFileStore, openStore } from '../../control/store/index.ts';
import { runConformance, waitFor } from './conformance.ts';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshlet-store-'));
  dirs.push(dir);
  return dir;
}
t.teardown(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

let clock = new ManualClock(0);
void t.test('conformance', async (t) => {
  runConformance(t, {
    async open(options) {
      clock = new ManualClock(0);
      return openFileStore({ dataDir: await freshDir(), clock, ...(options?.historyLimit ? { historyLimit: options.historyLimit } : {}) });
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
});

async function fill(store: Store, n: number, prefix = '/f/'): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => store.create(`${prefix}${String(i).padStart(5, '0')}`, { i })));
}

void t.test('a reopened store has every key, the same revision, and continues from it', async (t) => {
  const dir = await freshDir();
  const a = await openStore({ dataDir: dir });
  t.equal(a.backend, 'file');
  await fill(a, 50);
  await a.update('/f/00003', { i: 'changed' });
  await a.delete('/f/00004');
  const lease = await a.grantLease(60);
  await a.create('/f/leased', {}, { lease: lease.id });
  const rev = await a.currentRevision();
  await a.close();

  const b = await openStore({ dataDir: dir });
  t.equal(await b.currentRevision(), rev);
  const all = await b.range('/f/');
  t.equal(all.count, 50, '50 created, one deleted, one leased key added');
  t.same((await b.get('/f/00003'))?.value, { i: 'changed' });
  t.equal(await b.get('/f/00004'), undefined);
  t.equal((await b.get('/f/leased'))?.lease, lease.id, 'lease attachment survives');
  await b.keepAlive(lease.id);
  const next = await b.create('/f/new', {});
  t.equal(next.modRevision, rev + 1, 'revisions continue');
  const other = await b.grantLease(5);
  t.not(other.id, lease.id, 'lease ids are not reused');
  const old = await new Promise<unknown>((resolve) => b.watch('/f/', { afterRevision: rev - 5 }, () => {}, resolve));
  t.ok(isStoreError(old, 'Compacted'), 'history does not survive a restart: older watches must relist');
  await b.close();
});

void t.test('an unclean stop (no close) loses no acknowledged write; a torn tail is cut off', async (t) => {
  const dir = await freshDir();
  const a = await openFileStore({ dataDir: dir, snapshotEvery: 1_000_000 });
  await fill(a, 20);
  // Simulate a crash: drop the process's lock and leave the store unclosed, then tear the log's tail.
  await rm(path.join(dir, 'LOCK'));
  const segments = (await readdir(dir)).filter((f) => f.startsWith('wal-')).sort();
  const newest = path.join(dir, segments[segments.length - 1] as string);
  const size = (await stat(newest)).size;
  await appendFile(newest, '1234abcd {"seq":99999,"op":"put","entry":{"key":"/f/torn"');

  const b = await openFileStore({ dataDir: dir });
  t.equal((await b.range('/f/')).count, 20, 'every acknowledged write is back');
  t.equal(await b.get('/f/torn'), undefined, 'the torn record is not');
  t.ok(size > 0);
  await b.close();
});

void t.test('snapshots truncate the log and recovery combines snapshot + log', async (t) => {
  const dir = await freshDir();
  const a = await openFileStore({ dataDir: dir, snapshotEvery: 25 });
  for (let i = 0; i < 120; i++) await a.create(`/s/${String(i).padStart(3, '0')}`, { i });
  const walBytes = async () => {
    let total = 0;
    for (const f of await readdir(dir)) if (f.startsWith('wal-')) total += (await stat(path.join(dir, f))).size;
    return total;
  };
  t.ok((await walBytes()) < 60 * 120, `log stays short (${await walBytes()} bytes for 120 records)`);
  const snapshot = JSON.parse(await readFile(path.join(dir, 'snapshot.json'), 'utf8')) as { state: { entries: unknown[] } };
  t.ok(snapshot.state.entries.length >= 75, 'the snapshot holds most keys');
  await rm(path.join(dir, 'LOCK'));
  const b = await openFileStore({ dataDir: dir });
  t.equal((await b.range('/s/')).count, 120);
  await b.close();
});

void t.test('group commit: concurrent writes share fdatasyncs', async (t) => {
  const store = await openFileStore({ dataDir: await freshDir() });
  const before = store.journalStats();
  await Promise.all(Array.from({ length: 200 }, (_, i) => store.create(`/g/${i}`, { i })));
  const after = store.journalStats();
  const records = after.records - before.records;
  const syncs = after.syncs - before.syncs;
  t.equal(records, 200, 'one record per write');
  t.ok(syncs < records / 4, `200 concurrent writes took ${syncs} syncs`);
  await store.snapshot();
  t.ok(store.journalStats().snapshots > after.snapshots, 'explicit snapshot');
  await store.close();
});

void t.test('leases survive a restart with a fresh TTL and then expire', async (t) => {
  const dir = await freshDir();
  const a = await openFileStore({ dataDir: dir, clock: new ManualClock(0) });
  const lease = await a.grantLease(30);
  await a.create('/l/held', {}, { lease: lease.id });
  await a.close();
  const clock = new ManualClock(0);
  const b = await openFileStore({ dataDir: dir, clock });
  clock.advance(29_000);
  t.ok(await b.get('/l/held'), 'still held before the fresh TTL ends');
  clock.advance(2_000);
  await waitFor('lease expiry after restart', async () => (await b.get('/l/held')) === undefined);
  await b.close();
  const c = await openFileStore({ dataDir: dir });
  t.equal(await c.get('/l/held'), undefined, 'the expiry was durable');
  await c.close();
});

void t.test('one process per data dir', async (t) => {
  const dir = await freshDir();
  const a = await openFileStore({ dataDir: dir });
  await t.rejects(openFileStore({ dataDir: dir }), { code: 'MESHLET_STORE_LOCKED' } as unknown as Error);
  await a.close();
  const b = await openFileStore({ dataDir: dir });
  await b.close();
});

void t.test('a damaged older segment stops the open instead of losing data silently', async (t) => {
  const dir = await freshDir();
  const a = await openFileStore({ dataDir: dir, snapshotEvery: 1_000_000 });
  await fill(a, 5);
  await rm(path.join(dir, 'LOCK'));
  const seg = (await readdir(dir)).filter((f) => f.startsWith('wal-')).sort().pop() as string;
  const bytes = await readFile(path.join(dir, seg));
  const mid = bytes.indexOf('/f/00002');
  t.ok(mid > 0, 'found a record to damage');
  bytes[mid + 7] = '9'.charCodeAt(0);
  await writeFile(path.join(dir, seg), bytes);
  await writeFile(path.join(dir, 'wal-999999999999.log'), '');
  await t.rejects(openFileStore({ dataDir: dir }), { code: 'MESHLET_STORE_CORRUPT' } as unknown as Error);
});
