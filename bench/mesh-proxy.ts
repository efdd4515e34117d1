// Sidecar data-plane cost, measured in one run against baselines on the same
// machine with the same load tool (wrk, 1 KB POST bodies, 1 KB responses):
//
//   direct        wrk → backend
//   nginx         wrk → nginx (1 worker, keepalive upstream) → backend
//   node http     wrk → bare Node server + Node's http client → backend (no http-proxy)
//   adapter only  wrk → bare Node server + mesh/proxy/http-proxy-adapter → backend
//                 (http-proxy with none of the mesh layers: the ceiling http-proxy sets)
//   1 sidecar     wrk → client sidecar (:15001, absolute-URI) → backend
//   2 sidecars    wrk → client sidecar → server sidecar (:15006) → backend
//
// Two passes: maximum throughput (32 connections), and added latency at a
// fixed ~1000 req/s (10 connections, wrk's delay() hook, p50/p99 from wrk's
// microsecond histogram). Proxy CPU time per request (from /proc) is
// printed too: on a busy machine it is steadier than requests per second.
// Then memory added per idle sidecar (40 sidecars in
// a fresh process, after GC). Targets: 1 sidecar ≥ 0.8× nginx throughput;
// 2 sidecars add ≤ 1 ms p99 at 1000 req/s; ≤ 2 MB per idle sidecar.
//
// Backend, proxies and the memory probe are child processes of this file
// (MESH_BENCH_ROLE=backend|proxies|memory) so the load generator, the
// proxies and the backend do not share an event loop.
//
// Run alone: node --import=tsx bench/mesh-proxy.ts

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { KubeObject, Pod, Service } from '../control/api/index.ts';
import { startSidecar, StaticConfigSource } from '../mesh/index.ts';
import { createUpstream } from '../mesh/proxy/http-proxy-adapter.ts';

const NET = '127.250.200';
const CLIENT_POD = `${NET}.10`;
const ADAPTER = `${NET}.11`;
const RAW_NODE = `${NET}.12`;
const MESHED_POD = `${NET}.20`;
const PLAIN_POD = `${NET}.21`;
const NGINX = `${NET}.30`;
const PORT = 8080;
const SECONDS = Number(process.env['MESH_BENCH_SECONDS'] ?? 5);
const IDLE_SIDECARS = 40;
const BODY = Buffer.alloc(1024, 'x');

function meta(name: string): KubeObject['metadata'] {
  return { name, namespace: 'bench', uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' };
}

function benchPod(name: string, ip: string, meshed: boolean): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta(name), labels: { app: name, version: 'v1', ...(meshed ? {} : { 'sidecar.istio.io/inject': 'false' }) } },
    spec: { containers: [{ name: 'app', ports: [{ containerPort: PORT }] }] },
    status: { phase: 'Running', podIP: ip },
  };
}

function benchService(name: string, app: string): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec: { selector: { app }, ports: [{ name: 'http', port: PORT }] } };
}

function benchConfig(): StaticConfigSource {
  return new StaticConfigSource({
    pods: [benchPod('client', CLIENT_POD, true), benchPod('meshed', MESHED_POD, true), benchPod('plain', PLAIN_POD, false)],
    services: [benchService('meshed-svc', 'meshed'), benchService('plain-svc', 'plain')],
  });
}

// ---- child roles ------------------------------------------------------------

async function serveBackend(): Promise<void> {
  for (const host of [MESHED_POD, PLAIN_POD]) {
    const s = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
        res.end(BODY);
      });
    });
    s.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => s.listen(PORT, host, r));
  }
}

async function serveProxies(): Promise<void> {
  const config = benchConfig();
  const identity = (name: string, ip: string) => ({ kind: 'sidecar' as const, name, namespace: 'bench', labels: { app: name }, ip });
  await startSidecar({ identity: identity('client', CLIENT_POD), podIp: CLIENT_POD, config });
  await startSidecar({ identity: identity('meshed', MESHED_POD), podIp: MESHED_POD, config });
  // http-proxy through the adapter with no mesh layers: what http-proxy alone costs.
  const upstream = createUpstream();
  const bare = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      upstream
        .send({ method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers, host: `${PLAIN_POD}:${PORT}` }, body: Buffer.concat(chunks), host: PLAIN_POD, port: PORT })
        .then((r) => {
          res.writeHead(r.status, r.headers);
          r.body.pipe(res);
        }, () => res.writeHead(502).end());
    });
  });
  bare.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => bare.listen(PORT, ADAPTER, r));
  // Node's own http client and server, no http-proxy: what Node's HTTP stack costs.
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 64 });
  const raw = createServer((req, res) => {
    const out = request({ host: PLAIN_POD, port: PORT, method: req.method, path: req.url, headers: { ...req.headers, host: `${PLAIN_POD}:${PORT}` }, agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  raw.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => raw.listen(PORT, RAW_NODE, r));
}

async function measureIdleMemory(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const settle = async (): Promise<NodeJS.MemoryUsage> => {
    for (let i = 0; i < 3; i++) {
      gc?.();
      await new Promise((r) => setTimeout(r, 50));
    }
    return process.memoryUsage();
  };
  const config = benchConfig();
  // Warm the module graph and one sidecar so code and shared caches are not counted per sidecar.
  const warm = await startSidecar({ identity: { kind: 'sidecar', name: 'warm', namespace: 'bench', labels: {} }, podIp: `${NET}.99`, config });
  await warm.close();
  const before = await settle();
  const sidecars = [];
  for (let i = 0; i < IDLE_SIDECARS; i++) {
    sidecars.push(await startSidecar({ identity: { kind: 'sidecar', name: `idle-${i}`, namespace: 'bench', labels: { app: 'idle' } }, podIp: `127.250.201.${10 + i}`, config }));
  }
  const after = await settle();
  process.stdout.write(`MEMORY ${(after.rss - before.rss) / IDLE_SIDECARS} ${(after.heapUsed - before.heapUsed) / IDLE_SIDECARS}\n`);
  for (const s of sidecars) await s.close();
}

// ---- the run ----------------------------------------------------------------

interface WrkResult {
  /** Proxy CPU time per request in µs (0 for the direct row). */
  cpuUs?: number;
  requests: number;
  seconds: number;
  rps: number;
  p50us: number;
  p99us: number;
  errors: number;
}

interface Target {
  name: string;
  url: string;
  /** Request-target on the wire (absolute URI when talking to a sidecar's outbound listener). */
  path: string;
  /** Processes doing the proxying, whose CPU time is charged to this row. */
  cpuPids: () => number[];
}

/** user+system CPU seconds of a process and its direct children (nginx workers). */
function cpuSeconds(pids: number[]): number {
  const tick = 100;
  let total = 0;
  const seen = new Set<number>();
  const add = (pid: number): void => {
    if (seen.has(pid)) return;
    seen.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
      for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) add(Number(c));
    } catch {
      // process gone
    }
  };
  for (const p of pids) add(p);
  return total;
}

const here = fileURLToPath(import.meta.url);

function child(role: string, extraArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...extraArgs, '--import=tsx', here], { env: { ...process.env, MESH_BENCH_ROLE: role }, stdio: ['ignore', 'pipe', 'inherit'] });
}

function readyLine(p: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    p.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith(prefix));
      if (line) resolve(line);
    });
    p.once('exit', (code) => reject(new Error(`bench child exited (${code}) before ${prefix}`)));
  });
}

async function waitForPort(host: string, port: number, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`bench/mesh-proxy: ${host}:${port} did not open`);
}

async function startNginx(dir: string): Promise<ChildProcess> {
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backend { server ${PLAIN_POD}:${PORT}; keepalive 64; }
  server {
    listen ${NGINX}:${PORT};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  await writeFile(path.join(dir, 'nginx.conf'), conf);
  const p = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
  await waitForPort(NGINX, PORT);
  return p;
}

async function wrk(target: Target, options: { connections: number; delayMs?: number; seconds: number }, dir: string): Promise<WrkResult> {
  const script = path.join(dir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  await writeFile(script, `
wrk.method = "POST"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.path = "${target.path}"
${options.delayMs !== undefined ? `function delay() return ${options.delayMs} end` : ''}
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
`);
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '-s', script, target.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.once('exit', () => {
      const m = out.match(/RESULT (\d+) (\d+) (\d+) (\d+) (\d+)/);
      if (!m) {
        reject(new Error(`bench/mesh-proxy: wrk gave no result for ${target.name}: ${out}`));
        return;
      }
      const seconds = Number(m[2]) / 1e6;
      resolve({ requests: Number(m[1]), seconds, rps: Number(m[1]) / seconds, p50us: Number(m[3]), p99us: Number(m[4]), errors: Number(m[5]) });
    });
  });
}

/** One request through a target, to check it answers 200 with the 1 KB body before measuring. */
function probe(t: Target): Promise<void> {
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: Number(u.port), path: t.path, method: 'POST', headers: { 'content-length': BODY.length } }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => (res.statusCode === 200 && n === 1024 ? resolve() : reject(new Error(`bench/mesh-proxy: ${t.name} answered ${res.statusCode} with ${n} bytes`))));
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

function pad(s: string, n: number): string {
  return s.padEnd(n);
}

export async function run(): Promise<void> {
  for (const tool of ['wrk', 'nginx']) {
    if (spawnSync('which', [tool]).status !== 0) throw new Error(`bench/mesh-proxy: ${tool} is not installed (apt-get install -y ${tool})`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'meshlet-bench-'));
  await chmod(dir, 0o755);
  const procs: ChildProcess[] = [];
  try {
    const backend = child('backend');
    procs.push(backend);
    await readyLine(backend, 'READY');
    const proxies = child('proxies');
    procs.push(proxies);
    await readyLine(proxies, 'READY');
    const nginx = await startNginx(dir);
    procs.push(nginx);

    const targets: Target[] = [
      { name: 'direct', url: `http://${PLAIN_POD}:${PORT}`, path: '/', cpuPids: () => [] },
      { name: 'nginx', url: `http://${NGINX}:${PORT}`, path: '/', cpuPids: () => [nginx.pid!] },
      { name: 'node http', url: `http://${RAW_NODE}:${PORT}`, path: '/', cpuPids: () => [proxies.pid!] },
      { name: 'adapter only', url: `http://${ADAPTER}:${PORT}`, path: '/', cpuPids: () => [proxies.pid!] },
      { name: '1 sidecar', url: `http://${CLIENT_POD}:15001`, path: `http://plain-svc.bench:${PORT}/`, cpuPids: () => [proxies.pid!] },
      { name: '2 sidecars', url: `http://${CLIENT_POD}:15001`, path: `http://meshed-svc.bench:${PORT}/`, cpuPids: () => [proxies.pid!] },
    ];
    for (const t of targets) await probe(t);

    const max = new Map<string, WrkResult>();
    const fixed = new Map<string, WrkResult>();
    for (const t of targets) {
      await wrk(t, { connections: 32, seconds: 1 }, dir);
      const cpu0 = cpuSeconds(t.cpuPids());
      const r = await wrk(t, { connections: 32, seconds: SECONDS }, dir);
      r.cpuUs = t.cpuPids().length ? ((cpuSeconds(t.cpuPids()) - cpu0) * 1e6) / r.requests : 0;
      max.set(t.name, r);
    }
    for (const t of targets) fixed.set(t.name, await wrk(t, { connections: 10, delayMs: 10, seconds: SECONDS }, dir));

    const memory = child('memory', ['--expose-gc']);
    procs.push(memory);
    const memLine = await readyLine(memory, 'MEMORY');
    const [, rssPer, heapPer] = memLine.split(' ').map(Number);

    const nginxRps = max.get('nginx')!.rps;
    const direct = fixed.get('direct')!;
    const lines: string[] = [];
    const nginxCpu = max.get('nginx')!.cpuUs!;
    lines.push(`${pad('path', 14)}${pad('max req/s', 12)}${pad('× nginx', 9)}${pad('× direct', 10)}${pad('CPU µs/req', 12)}${pad('× nginx CPU', 13)}${pad('errors', 8)}| ${pad('@~1000/s', 10)}${pad('p50 µs', 9)}${pad('p99 µs', 9)}${pad('+p50 µs', 9)}+p99 µs`);
    for (const t of targets) {
      const m = max.get(t.name)!;
      const f = fixed.get(t.name)!;
      lines.push(
        `${pad(t.name, 14)}${pad(m.rps.toFixed(0), 12)}${pad((m.rps / nginxRps).toFixed(2), 9)}${pad((m.rps / max.get('direct')!.rps).toFixed(2), 10)}` +
          `${pad(m.cpuUs ? m.cpuUs.toFixed(0) : '-', 12)}${pad(m.cpuUs ? (nginxCpu / m.cpuUs).toFixed(2) : '-', 13)}${pad(String(m.errors + f.errors), 8)}| ` +
          `${pad(f.rps.toFixed(0), 10)}${pad(String(f.p50us), 9)}${pad(String(f.p99us), 9)}${pad(String(f.p50us - direct.p50us), 9)}${f.p99us - direct.p99us}`,
      );
    }
    const one = max.get('1 sidecar')!.rps / nginxRps;
    const added99 = (fixed.get('2 sidecars')!.p99us - direct.p99us) / 1000;
    const adapterCeiling = max.get('adapter only')!.rps / nginxRps;
    lines.push('');
    const oneCpu = nginxCpu / max.get('1 sidecar')!.cpuUs!;
    lines.push(`target: 1 sidecar ≥ 0.80× nginx throughput            measured ${one.toFixed(2)}× (per CPU second: ${oneCpu.toFixed(2)}×)  ${one >= 0.8 ? 'MET' : 'NOT MET'}`);
    lines.push(`        (http-proxy through the adapter alone, no mesh layers: ${adapterCeiling.toFixed(2)}× nginx, ${(nginxCpu / max.get('adapter only')!.cpuUs!).toFixed(2)}× per CPU second — the ceiling http-proxy sets)`);
    // When the direct path or nginx (a known-fast reference) show multi-ms p99 tails, the tail belongs to the machine.
    const nginxAdded99 = fixed.get('nginx')!.p99us - direct.p99us;
    const busy = direct.p99us > 2000 || nginxAdded99 > 2000;
    lines.push(`target: 2 sidecars add ≤ 1 ms p99 at ~1000 req/s       measured ${added99 >= 0 ? '+' : ''}${added99.toFixed(3)} ms  ${busy ? `INCONCLUSIVE (machine busy: direct p99 ${(direct.p99us / 1000).toFixed(1)} ms, nginx adds ${(nginxAdded99 / 1000).toFixed(1)} ms)` : added99 <= 1 ? 'MET' : 'NOT MET'}`);
    lines.push(`        (p50 added by 2 sidecars: ${((fixed.get('2 sidecars')!.p50us - direct.p50us) / 1000).toFixed(3)} ms; Istio 1.20 publishes +0.298 ms p99 for two Envoys)`);
    lines.push(`target: ≤ 2 MB per idle sidecar                        measured ${(rssPer! / 1048576).toFixed(2)} MB RSS, ${(heapPer! / 1048576).toFixed(2)} MB JS heap (${IDLE_SIDECARS} sidecars)  ${rssPer! <= 2 * 1048576 ? 'MET' : 'NOT MET'}`);
    lines.push(`(load: wrk -t1, POST 1 KB → 1 KB, ${SECONDS} s per row; fixed rate = 10 connections with a 10 ms delay between requests; load average ${spawnSync('cat', ['/proc/loadavg']).stdout.toString().split(' ').slice(0, 3).join(' ')})`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

const role = process.env['MESH_BENCH_ROLE'];
if (role && process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  if (role === 'backend') await serveBackend();
  else if (role === 'proxies') await serveProxies();
  if (role === 'memory') {
    await measureIdleMemory();
    process.exit(0);
  }
  process.stdout.write('READY\n');
  process.on('SIGTERM', () => process.exit(0));
} else if (!role && process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await run();
}
