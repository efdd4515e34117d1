// Store throughput: creates/s, listing 10k objects, and fan-out to 100
// watchers, for the memory, file-backed (with and without fdatasync, with the
// mean group-commit batch) and Redis stores. Baselines measured
// in the same run: redis-benchmark's SET rate and a raw SET loop through the
// same Redis client and concurrency, so the Redis store's cost over plain
// Redis shows as a ratio.
//
// Run alone: node --import=tsx bench/store-throughput.ts

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Store } from '../control/api/index.ts';
import { MemoryStore, openFileStore, openRedisStore } from '../control/store/index.ts';
import { connectRedis } from '../control/store/redis-client.ts';
import { redisServerMissing, startRedisServer } from '../test/store/redis-server.ts';

const CREATES = 10_000;
const CONCURRENCY = 64;
const WATCHERS = 100;
const FANOUT_WRITES = 1_000;
const LIST_ROUNDS = 5;

export interface StoreBenchRow {
  backend: string;
  createsPerSec: number;
  sequentialCreatesPerSec: number;
  list10kMs: number;
  fanoutDeliveriesPerSec: number;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `total` operations with at most `concurrency` in flight. */
async function pool(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) await op(next++);
    }),
  );
}

function object(i: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: 'bench', uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, labels: { app: 'bench', shard: String(i % 16) } },
    data: { key: 'value', index: String(i) },
  };
}

async function measure(backend: string, store: Store): Promise<StoreBenchRow> {
  const key = (i: number) => `/registry/configmaps/bench/cm-${String(i).padStart(6, '0')}`;
  // Warm up (JIT, Redis script cache, connection buffers) outside the measured prefixes.
  await pool(2_000, CONCURRENCY, (i) => store.create(`/registry/warmup/cm-${i}`, object(i)));
  await store.range('/registry/warmup/');
  const createMs = await timed(() => pool(CREATES, CONCURRENCY, (i) => store.create(key(i), object(i))));
  const seqN = 1_000;
  const seqMs = await timed(() => pool(seqN, 1, (i) => store.create(`/registry/configmaps/seq/cm-${i}`, object(i))));

  const listTimes: number[] = [];
  for (let r = 0; r < LIST_ROUNDS; r++) {
    let count = 0;
    listTimes.push(await timed(async () => void (count = (await store.range('/registry/configmaps/bench/')).kvs.length)));
    if (count !== CREATES) throw new Error(`bench/store: ${backend} listed ${count} of ${CREATES}`);
  }
  listTimes.sort((a, b) => a - b);

  const start = await store.currentRevision();
  const received = new Array<number>(WATCHERS).fill(0);
  let done: () => void = () => {};
  const allDelivered = new Promise<void>((resolve) => (done = resolve));
  let finished = 0;
  const watches = received.map((_, w) =>
    store.watch('/registry/pods/', { afterRevision: start }, () => {
      if (++received[w]! === FANOUT_WRITES && ++finished === WATCHERS) done();
    }),
  );
  const fanoutMs = await timed(async () => {
    await pool(FANOUT_WRITES, CONCURRENCY, (i) => store.create(`/registry/pods/bench/p-${i}`, object(i)));
    await Promise.race([allDelivered, new Promise((_, reject) => setTimeout(() => reject(new Error(`bench/store: ${backend} fan-out stalled at ${finished}/${WATCHERS} watchers`)), 60_000).unref())]);
  });
  for (const w of watches) w.close();

  return {
    backend,
    createsPerSec: (CREATES / createMs) * 1000,
    sequentialCreatesPerSec: (seqN / seqMs) * 1000,
    list10kMs: listTimes[Math.floor(listTimes.length / 2)] as number,
    fanoutDeliveriesPerSec: ((WATCHERS * FANOUT_WRITES) / fanoutMs) * 1000,
  };
}

async function rawSetRate(url: string): Promise<number> {
  const conn = await connectRedis({ url }, []);
  try {
    const ms = await timed(() => pool(CREATES, CONCURRENCY, (i) => conn.call('SET', `rawbench:${i}`, JSON.stringify(object(i)))));
    return (CREATES / ms) * 1000;
  } finally {
    await conn.close();
  }
}

function redisBenchmarkSetRate(socketPath: string): number | undefined {
  const out = spawnSync('redis-benchmark', ['-s', socketPath, '-t', 'set', '-n', '50000', '-c', String(CONCURRENCY), '-q'], { encoding: 'utf8', timeout: 60_000 });
  const match = /SET:\s*([\d.]+)\s*requests per second/.exec(`${out.stdout}${out.stderr}`);
  return match ? Number(match[1]) : undefined;
}

function fmt(n: number | undefined, digits = 0): string {
  return n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export async function run(): Promise<StoreBenchRow[]> {
  const rows: StoreBenchRow[] = [];
  rows.push(await measure('memory', new MemoryStore()));

  for (const sync of [true, false]) {
    const dir = await mkdtemp(path.join(tmpdir(), 'meshlet-bench-store-'));
    try {
      const file = await openFileStore({ dataDir: dir, sync });
      const row = await measure(sync ? 'file (fdatasync)' : 'file (no sync)', file);
      const stats = file.journalStats();
      row.backend += ` ${(stats.records / Math.max(1, stats.syncs)).toFixed(1)}/batch`;
      rows.push(row);
      await file.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  let rawSet: number | undefined;
  let redisBenchmark: number | undefined;
  const missing = redisServerMissing();
  if (missing) {
    console.log(`bench/store: skipping Redis rows — ${missing}`);
  } else {
    const server = await startRedisServer();
    try {
      redisBenchmark = redisBenchmarkSetRate(server.socketPath);
      rawSet = await rawSetRate(server.url);
      const store = await openRedisStore({ url: server.url, keyPrefix: 'bench:' });
      rows.push(await measure('redis', store));
      await store.close();
    } finally {
      await server.close();
    }
  }

  const baseline = rawSet;
  console.log(`\nStore throughput (${CREATES} creates at concurrency ${CONCURRENCY}; list of ${CREATES}; ${WATCHERS} watchers × ${FANOUT_WRITES} writes)`);
  console.log(`baseline: raw SET loop through the same client ${fmt(rawSet)}/s; redis-benchmark SET ${fmt(redisBenchmark)}/s\n`);
  const header = ['backend', 'creates/s', 'vs raw SET', 'seq creates/s', 'list 10k (ms)', 'watch deliveries/s'];
  const table = rows.map((r) => [
    r.backend,
    fmt(r.createsPerSec),
    baseline ? `${(r.createsPerSec / baseline).toFixed(2)}×` : '-',
    fmt(r.sequentialCreatesPerSec),
    fmt(r.list10kMs, 1),
    fmt(r.fanoutDeliveriesPerSec),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
