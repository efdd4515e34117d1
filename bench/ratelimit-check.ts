// Rate-limit check cost: the latency a local (token bucket) and a global
// (Redis, and in-process) check add per request at a fixed 1000 req/s,
// against the same loopback HTTP server with no limiter, in one run.
//
// Each variant is a small HTTP server that asks a RateLimitService before it
// answers (what the sidecar's rate-limit layer does). An open-loop generator
// paces requests at RATE over keep-alive connections and records each
// request's latency; the server also times the check itself.
//
// Run alone: node --import=tsx bench/ratelimit-check.ts

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { KubeObject } from '../control/api/objects.ts';
import { StaticPolicySource, createRateLimitService } from '../mesh/ratelimit/index.ts';
import type { MeshRateLimitService, RateLimitRequest } from '../mesh/ratelimit/index.ts';
import { inboundRequest } from '../test/ratelimit/harness.ts';

const RATE = 1000;
const WARMUP_MS = 1000;
const MEASURE_MS = 5000;
const ROUNDS = 5;
const CONNECTIONS = 16;
const HOST = '127.251.7.1';

export interface RateLimitBenchRow {
  variant: string;
  requests: number;
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  checkMeanUs: number;
  checkP99Us: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function policies(mode: 'local' | 'global'): KubeObject[] {
  // Limits far above the offered load: the bench measures the check, not rejections.
  return [
    {
      apiVersion: 'policy.meshlet.dev/v1alpha1',
      kind: 'RateLimitPolicy',
      metadata: { name: `bench-${mode}`, namespace: 'default', uid: 'bench', resourceVersion: '1', creationTimestamp: new Date(0).toISOString() },
      spec: {
        target: { workloadSelector: { matchLabels: { app: 'bench' } } },
        mode,
        rules: [
          { name: 'per-client', descriptors: [{ type: 'remoteAddress' }], limit: { requests: 1_000_000_000, unit: 'minute' } },
          { name: 'api', match: [{ path: { prefix: '/api' } }], limit: { requests: 1_000_000_000, unit: 'minute' } },
        ],
      },
    },
  ];
}

async function startServer(limiter: MeshRateLimitService | undefined, checkUs: number[]): Promise<{ url: string; close(): Promise<void> }> {
  const proxy: RateLimitRequest['proxy'] = { kind: 'sidecar', namespace: 'default', name: 'bench-0', labels: { app: 'bench' } };
  const server = http.createServer((req, res) => {
    const answer = (status: number, headers: Record<string, string>) => {
      res.writeHead(status, { ...headers, 'content-type': 'text/plain' }).end('ok\n');
    };
    if (!limiter) return answer(200, {});
    const start = process.hrtime.bigint();
    const request = inboundRequest(req, proxy);
    void Promise.resolve(limiter.check(request)).then((d) => {
      checkUs.push(Number(process.hrtime.bigint() - start) / 1000);
      answer(d.allowed ? 200 : (d.status ?? 429), d.responseHeaders);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${HOST}:${port}/api/v1/products`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Open-loop load at `rate` req/s for `durationMs`; returns latencies (ms) and non-200 count. */
async function paced(url: string, rate: number, durationMs: number): Promise<{ latencies: number[]; errors: number; elapsedMs: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  const started = Date.now();
  const one = () => {
    const t0 = process.hrtime.bigint();
    const p = new Promise<void>((resolve) => {
      const req = http.get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (res.statusCode !== 200) errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
    inflight.add(p);
    void p.then(() => inflight.delete(p));
  };
  while (Date.now() - started < durationMs) {
    const due = Math.floor(((Date.now() - started) * rate) / 1000);
    while (sent < due) {
      one();
      sent++;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inflight);
  const elapsedMs = Date.now() - started;
  agent.destroy();
  return { latencies, errors, elapsedMs };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, HOST, () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function startRedis(): Promise<{ url: string; child: ChildProcess } | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  return { url: `redis://${HOST}:${port}`, child };
}

interface Variant {
  name: string;
  url: string;
  latencies: number[];
  checkUs: number[];
  errors: number;
  elapsedMs: number;
  close(): Promise<void>;
}

async function variant(name: string, limiter: MeshRateLimitService | undefined): Promise<Variant> {
  const checkUs: number[] = [];
  const server = await startServer(limiter, checkUs);
  return { name, url: server.url, latencies: [], checkUs, errors: 0, elapsedMs: 0, close: () => server.close() };
}

function summarize(v: Variant): RateLimitBenchRow {
  if (v.errors > 0) throw new Error(`bench/ratelimit: ${v.name}: ${v.errors} requests failed or were limited`);
  const sorted = [...v.latencies].sort((a, b) => a - b);
  const checks = [...v.checkUs].sort((a, b) => a - b);
  return {
    variant: v.name,
    requests: sorted.length,
    achievedRps: (sorted.length * 1000) / v.elapsedMs,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    checkMeanUs: checks.length ? checks.reduce((a, b) => a + b, 0) / checks.length : 0,
    checkP99Us: checks.length ? quantile(checks, 0.99) : 0,
  };
}

/** Warms every variant up, then measures them in interleaved rounds so background noise hits all alike. */
async function measureAll(variants: Variant[]): Promise<RateLimitBenchRow[]> {
  for (const v of variants) await paced(v.url, RATE, WARMUP_MS);
  for (const v of variants) v.checkUs.length = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants) {
      const r = await paced(v.url, RATE, MEASURE_MS / ROUNDS);
      v.latencies.push(...r.latencies);
      v.errors += r.errors;
      v.elapsedMs += r.elapsedMs;
    }
  }
  return variants.map(summarize);
}

function printTable(rows: readonly RateLimitBenchRow[]): void {
  const base = rows[0]!;
  const fmt = (n: number, d = 3) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const header = ['variant', 'req', 'req/s', 'mean ms', 'p50 ms', 'p99 ms', 'check µs mean', 'check µs p99', 'added p50 ms', 'p50 ratio', 'p99 ratio'];
  const lines = rows.map((r) => [
    r.variant,
    String(r.requests),
    fmt(r.achievedRps, 0),
    fmt(r.meanMs),
    fmt(r.p50Ms),
    fmt(r.p99Ms),
    fmt(r.checkMeanUs, 1),
    fmt(r.checkP99Us, 1),
    fmt(r.p50Ms - base.p50Ms),
    `${fmt(r.p50Ms / base.p50Ms, 2)}x`,
    `${fmt(r.p99Ms / base.p99Ms, 2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\nrate-limit check at ${RATE} req/s, ${MEASURE_MS / 1000} s per variant in ${ROUNDS} interleaved rounds, ${CONNECTIONS} keep-alive connections (baseline: ${base.variant})`);
  console.log(row(header));
  for (const l of lines) console.log(row(l));
  console.log(`load average during the run: ${loadavg().map((n) => n.toFixed(1)).join(' ')} (Redis and tail latencies suffer most on a busy machine)`);
}

export async function run(): Promise<RateLimitBenchRow[]> {
  const limiters: MeshRateLimitService[] = [];
  const variants: Variant[] = [];
  const redis = await startRedis();
  try {
    variants.push(await variant('no limiter', undefined));
    const local = createRateLimitService({ source: new StaticPolicySource({ rateLimitPolicies: policies('local') }) });
    limiters.push(local);
    variants.push(await variant('local token bucket', local));
    const memory = createRateLimitService({ source: new StaticPolicySource({ rateLimitPolicies: policies('global') }) });
    limiters.push(memory);
    variants.push(await variant('global, in-process', memory));
    if (!redis) {
      console.log('bench/ratelimit: redis-server missing (apt-get install -y redis-server): skipping the Redis row');
    } else {
      const global = createRateLimitService({ source: new StaticPolicySource({ rateLimitPolicies: policies('global') }), redisUrl: redis.url });
      limiters.push(global);
      await global.ready(5000);
      variants.push(await variant('global, Redis', global));
    }
    const rows = await measureAll(variants);
    printTable(rows);
    return rows;
  } finally {
    await Promise.all(variants.map((v) => v.close()));
    await Promise.all(limiters.map((l) => l.close()));
    redis?.child.kill('SIGKILL');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
