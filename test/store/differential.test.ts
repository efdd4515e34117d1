// The same seeded random sequence of operations against every backend must
// give identical results: values, revisions, errors, ranges and watch events.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ManualClock, isStoreError } from '../../control/api/index.ts';
import type { Store, StoreEvent } from '../../control/api/index.ts';
import { MemoryStore, openFileStore, openRedisStore } from '../../control/store/index.ts';
import { waitFor } from './conformance.ts';
import { startRedisServer } from './redis-server.ts';

const redis = await startRedisServer();
const dataDir = await mkdtemp(path.join(tmpdir(), 'meshlet-diff-'));
t.teardown(async () => {
  await redis.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** mulberry32: small, seedable, good enough to pick operations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await p };
  } catch (err) {
    return isStoreError(err) ? { error: err.kind } : { thrown: String(err) };
  }
}

async function script(store: Store, seed: number, steps: number): Promise<{ log: unknown[]; events: StoreEvent[] }> {
  const rand = prng(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)] as T;
  const keys = Array.from({ length: 10 }, (_, i) => `/d/${pick(['a', 'b'])}/${i}`);
  const leases: string[] = [];
  const events: StoreEvent[] = [];
  const start = await store.currentRevision();
  const w = store.watch('/d/', { afterRevision: start }, (e) => events.push(e));
  const log: unknown[] = [];
  for (let step = 0; step < steps; step++) {
    const key = pick(keys);
    const cur = await store.get(key);
    const r = rand();
    if (r < 0.25) log.push(['create', key, await outcome(store.create(key, { step }, rand() < 0.2 && leases.length ? { lease: pick(leases) } : {}))]);
    else if (r < 0.5) {
      const expected = cur ? (rand() < 0.7 ? cur.modRevision : cur.modRevision - 1) : undefined;
      const opts = { ...(expected !== undefined ? { expectedModRevision: expected } : {}), ...(rand() < 0.1 && leases.length ? { lease: pick(leases) } : {}) };
      log.push(['update', key, opts, await outcome(store.update(key, { step, nested: { list: [step, key] } }, opts))]);
    } else if (r < 0.65) log.push(['delete', key, await outcome(store.delete(key, cur && rand() < 0.5 ? { expectedModRevision: cur.modRevision } : {}))]);
    else if (r < 0.75) log.push(['get', key, await outcome(store.get(key))]);
    else if (r < 0.85) {
      const opts = { limit: Math.floor(rand() * 4), ...(rand() < 0.5 ? { startAfter: pick(keys) } : {}) };
      log.push(['range', opts, await outcome(store.range(pick(['/d/', '/d/a/', '/d/b/', '/d/a'])  , opts))]);
    } else if (r < 0.92) {
      const lease = await store.grantLease(600);
      leases.push(lease.id);
      log.push(['grant', lease]);
    } else if (leases.length) {
      const id = pick(leases);
      log.push(['revoke', id, await outcome(store.revokeLease(id))]);
    }
  }
  const end = await store.currentRevision();
  await waitFor('all events', () => events.length >= end - start);
  w.close();
  log.push(['final', await store.range('/d/'), end - start]);
  return { log, events };
}

void t.test('memory, file and Redis agree on a random workload', async (t) => {
  for (const seed of [1, 2, 3]) {
    // Each seed starts every backend fresh, so revisions are comparable.
    const backends: [string, () => Promise<Store>][] = [
      ['memory', async () => new MemoryStore({ clock: new ManualClock(0) })],
      ['file', () => openFileStore({ dataDir: path.join(dataDir, `seed${seed}`), clock: new ManualClock(0) })],
      ['redis', () => openRedisStore({ url: redis.url, keyPrefix: `diff${seed}:` })],
    ];
    const results: { name: string; log: unknown[]; events: StoreEvent[] }[] = [];
    for (const [name, open] of backends) {
      const store = await open();
      results.push({ name, ...(await script(store, seed, 250)) });
      await store.close();
    }
    const [reference, ...others] = results as [(typeof results)[0], ...typeof results];
    const text = JSON.stringify(reference.log);
    const covered = ['"error":"AlreadyExists"', '"error":"NotFound"', '"error":"Conflict"', '"lease":"', '"revoke"', '"more":true'].filter((s) => text.includes(s));
    t.equal(covered.length, 6, `seed ${seed}: the workload hits errors, leases and paging (${covered.join(' ')})`);
    t.ok(reference.events.some((e) => e.type === 'delete'), `seed ${seed}: and emits deletes`);
    for (const other of others) {
      t.same(other.log, reference.log, `seed ${seed}: ${other.name} returns what ${reference.name} returns`);
      t.same(other.events, reference.events, `seed ${seed}: ${other.name} emits the events ${reference.name} emits`);
    }
  }
});
