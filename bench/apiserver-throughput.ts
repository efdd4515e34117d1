// API server throughput over HTTPS, against the in-process Client (the
// registry) as the baseline measured in the same run: creates/s at
// concurrency 16, listing 10k objects, and 100 concurrent watchers receiving
// every event. Memory store always; Redis too when redis-server is installed.
// Run: node --import=tsx bench/apiserver-throughput.ts

import { Agent, request } from 'node:https';
import { pathToFileURL } from 'node:url';
import type { Client, Store } from '../control/api/index.ts';
import { CONFIG_MAPS } from '../control/api/index.ts';
import { createRegistry } from '../control/registry/index.ts';
import { MemoryStore, openRedisStore } from '../control/store/index.ts';
import { startApiServer } from '../control/apiserver/index.ts';
import type { ApiServer } from '../control/apiserver/index.ts';
import { redisServerMissing, startRedisServer } from '../test/store/redis-server.ts';
import { lineReader } from '../control/client/index.ts';

const CREATES = 2000;
const CONCURRENCY = 16;
const LIST_SIZE = 10_000;
const WATCHERS = 100;
const WATCH_EVENTS = 200;
const DEADLINE_MS = 120_000;
const TOKEN = 'bench-token';

export interface ApiBenchRow {
  store: string;
  metric: string;
  unit: string;
  inProcess: number;
  http: number;
}

interface Http {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }>;
  watch(path: string, onLine: (line: string) => void): () => void;
  close(): void;
}

function httpFor(server: ApiServer): Http {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2, ca: server.caData });
  const headers = { authorization: `Bearer ${TOKEN}` };
  return {
    call(method, path, body) {
      const text = body === undefined ? undefined : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = request(new URL(path, server.url), { method, agent, headers: { ...headers, ...(text ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } : {}) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(text);
      });
    },
    watch(path, onLine) {
      const watchAgent = new Agent({ keepAlive: false, ca: server.caData });
      const req = request(new URL(path, server.url), { method: 'GET', agent: watchAgent, headers }, (res) => {
        res.setEncoding('utf8');
        res.on('data', lineReader(onLine));
        res.on('error', () => undefined);
      });
      req.on('error', () => undefined);
      req.end();
      return () => {
        req.destroy();
        watchAgent.destroy();
      };
    },
    close: () => agent.destroy(),
  };
}

const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { bench: 'yes' } }, data: { key: 'value', other: 'x'.repeat(64) } });

async function inParallel(count: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await task(next++);
  }));
  return count / ((performance.now() - start) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeMs(fn: () => Promise<unknown>, rounds = 5): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

/** Watchers start at the current revision, as clients do after their initial list. */
async function watchRate(open: (onEvent: () => void, fromRevision: string) => () => void, client: Client, store: Store, prefix: string): Promise<number> {
  const fromRevision = String(await store.currentRevision());
  let delivered = 0;
  const target = WATCHERS * WATCH_EVENTS;
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const closers = Array.from({ length: WATCHERS }, () => open(() => {
    delivered += 1;
    if (delivered === target) resolveAll();
  }, fromRevision));
  await new Promise((resolve) => setTimeout(resolve, 300)); // let every watch register before writing
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    for (let i = 0; i < WATCH_EVENTS; i++) await client.create(CONFIG_MAPS, configMap(`${prefix}-${i}`));
    await Promise.race([all, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`bench/apiserver: ${delivered}/${target} watch events in ${DEADLINE_MS} ms`)), DEADLINE_MS)))]);
    return target / ((performance.now() - start) / 1000);
  } finally {
    clearTimeout(timer);
    for (const close of closers) close();
  }
}

async function measure(storeName: string, store: Store): Promise<ApiBenchRow[]> {
  const registry = createRegistry({ store });
  await registry.ensureNamespaces();
  const server = await startApiServer({ client: registry, token: TOKEN });
  const http = httpFor(server);
  const rows: ApiBenchRow[] = [];
  try {
    await inParallel(200, async (i) => void (await registry.create(CONFIG_MAPS, configMap(`warm-${i}`))));
    await inParallel(200, async (i) => void (await http.call('POST', '/api/v1/namespaces/default/configmaps', configMap(`warm-http-${i}`))));
    const inProcCreates = await inParallel(CREATES, async (i) => void (await registry.create(CONFIG_MAPS, configMap(`a-${i}`))));
    const httpCreates = await inParallel(CREATES, async (i) => {
      const r = await http.call('POST', '/api/v1/namespaces/default/configmaps', configMap(`b-${i}`));
      if (r.status !== 201) throw new Error(`bench/apiserver: create returned ${r.status}: ${r.text}`);
    });
    rows.push({ store: storeName, metric: `create ConfigMap (concurrency ${CONCURRENCY})`, unit: 'objects/s', inProcess: inProcCreates, http: httpCreates });

    const existing = (await registry.list(CONFIG_MAPS, { namespace: 'default' })).items.length;
    await inParallel(Math.max(0, LIST_SIZE - existing), async (i) => void (await registry.create(CONFIG_MAPS, configMap(`fill-${i}`))));
    const inProcList = await timeMs(() => registry.list(CONFIG_MAPS, { namespace: 'default' }));
    const httpList = await timeMs(async () => {
      const r = await http.call('GET', '/api/v1/namespaces/default/configmaps');
      if (r.status !== 200 || (JSON.parse(r.text) as { items: unknown[] }).items.length < LIST_SIZE) throw new Error('bench/apiserver: short list');
    });
    rows.push({ store: storeName, metric: `list ${LIST_SIZE} ConfigMaps (median of 5)`, unit: 'ms', inProcess: inProcList, http: httpList });

    const inProcWatch = await watchRate((onEvent, resourceVersion) => {
      const w = registry.watch(CONFIG_MAPS, { namespace: 'default', resourceVersion }, onEvent);
      return () => w.close();
    }, registry, store, 'w1');
    const httpWatch = await watchRate(
      (onEvent, resourceVersion) => http.watch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${resourceVersion}`, (line) => line && onEvent()),
      registry,
      store,
      'w2',
    );
    rows.push({ store: storeName, metric: `${WATCHERS} watchers x ${WATCH_EVENTS} events`, unit: 'events/s', inProcess: inProcWatch, http: httpWatch });
  } finally {
    http.close();
    await server.close();
    await store.close();
  }
  return rows;
}

function printTable(rows: ApiBenchRow[]): void {
  const header = ['store', 'metric', 'unit', 'in-process Client', 'HTTPS API', 'HTTPS / in-process'];
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  const table = rows.map((r) => [r.store, r.metric, r.unit, fmt(r.inProcess), fmt(r.http), `${(r.http / r.inProcess).toFixed(2)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log('\nAPI server throughput: the HTTPS API vs the in-process Client it serves (ms: lower is better; others: higher)\n');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
}

export async function run(): Promise<ApiBenchRow[]> {
  const rows = await measure('memory', new MemoryStore({ historyLimit: 50_000 }));
  const missing = redisServerMissing();
  if (missing) {
    console.log(`bench/apiserver: skipping Redis rows — ${missing}`);
  } else {
    const redis = await startRedisServer();
    try {
      rows.push(...(await measure('redis', await openRedisStore({ url: redis.url, keyPrefix: 'bench-api:' }))));
    } finally {
      await redis.close();
    }
  }
  printTable(rows);
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
