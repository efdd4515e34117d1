// Cluster DNS throughput: dnsperf against meshlet's DNS and against unbound
// serving the same zone (local-data for the same names), same machine, same
// query mix, each server pinned to one core (taskset) with dnsperf on the
// other. Prints queries/s and latency for both and the ratio; the target is
// CoreDNS's published ~17,000 qps per core for cluster names. A second
// meshlet row runs with the response cache off: every query walks the
// kubernetes plugin and the encoder (what happens right after a catalog change).
//
// Run alone: node --import=tsx bench/dns-perf.ts
// (With MESHLET_DNS_BENCH_SERVE=1 this file is the meshlet DNS child process.)

import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Endpoints, Service } from '../control/api/index.ts';
import { MutableCatalog } from '../overlay/index.ts';
import { startDnsServer } from '../overlay/dns/index.ts';

const HOST = '127.0.0.1';
const SECONDS = Number(process.env['DNS_BENCH_SECONDS'] ?? 5);
/** Servers are measured in interleaved rounds and the median round reported, so load drift on a shared box hits all alike. */
const ROUNDS = Number(process.env['DNS_BENCH_ROUNDS'] ?? 3);
const CLUSTER_SERVICES = 200;
const HEADLESS_SERVICES = 20;
const ENDPOINTS_PER_HEADLESS = 3;
const TARGET_QPS = 17_000;

interface ZoneData {
  services: Service[];
  endpoints: Endpoints[];
}

function meta(name: string, namespace = 'bench') {
  return { name, namespace, uid: `uid-${namespace}-${name}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' };
}

/** The same cluster for both servers: ClusterIP services with a named port, headless services with endpoints. */
export function benchZone(): ZoneData {
  const services: Service[] = [];
  const endpoints: Endpoints[] = [];
  for (let i = 0; i < CLUSTER_SERVICES; i++) {
    services.push({ apiVersion: 'v1', kind: 'Service', metadata: meta(`svc-${i}`), spec: { clusterIP: `127.96.${1 + (i >> 8)}.${i & 255}`, ports: [{ name: 'http', port: 80 }] } });
  }
  for (let i = 0; i < HEADLESS_SERVICES; i++) {
    services.push({ apiVersion: 'v1', kind: 'Service', metadata: meta(`db-${i}`), spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } });
    endpoints.push({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: meta(`db-${i}`),
      subsets: [{ addresses: Array.from({ length: ENDPOINTS_PER_HEADLESS }, (_, j) => ({ ip: `127.244.${10 + i}.${j + 2}` })), ports: [{ name: 'pg', port: 5432 }] }],
    });
  }
  return { services, endpoints };
}

/** dnsperf input: 70% ClusterIP A, 10% headless A, 10% SRV, 5% PTR, 5% NXDOMAIN, interleaved. */
export function queryMix(count = 2000): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = i % 20;
    if (r < 14) lines.push(`svc-${(i * 7) % CLUSTER_SERVICES}.bench.svc.cluster.local A`);
    else if (r < 16) lines.push(`db-${i % HEADLESS_SERVICES}.bench.svc.cluster.local A`);
    else if (r < 18) lines.push(`_http._tcp.svc-${i % CLUSTER_SERVICES}.bench.svc.cluster.local SRV`);
    else if (r === 18) lines.push(`${i % 256}.1.96.127.in-addr.arpa PTR`);
    else lines.push(`missing-${i % 50}.bench.svc.cluster.local A`);
  }
  return lines.join('\n') + '\n';
}

/** unbound config serving the same records as local-data, one thread, on a loopback port. */
export function unboundConfig(dir: string, port: number, zone: ZoneData): string {
  const data: string[] = [];
  const ttl = 5;
  for (const svc of zone.services) {
    const name = `${svc.metadata.name}.bench.svc.cluster.local.`;
    if (svc.spec?.clusterIP && svc.spec.clusterIP !== 'None') {
      data.push(`local-data: "${name} ${ttl} IN A ${svc.spec.clusterIP}"`);
      data.push(`local-data-ptr: "${svc.spec.clusterIP} ${ttl} ${name}"`);
      data.push(`local-data: "_http._tcp.${name} ${ttl} IN SRV 0 100 80 ${name}"`);
    }
  }
  for (const ep of zone.endpoints) {
    const name = `${ep.metadata.name}.bench.svc.cluster.local.`;
    for (const address of ep.subsets?.[0]?.addresses ?? []) {
      data.push(`local-data: "${name} ${ttl} IN A ${address.ip}"`);
      data.push(`local-data: "_pg._tcp.${name} ${ttl} IN SRV 0 100 5432 ${address.ip.replaceAll('.', '-')}.${name}"`);
    }
  }
  return [
    'server:',
    `  interface: ${HOST}@${port}`,
    `  port: ${port}`,
    '  num-threads: 1',
    '  do-ip6: no',
    '  do-daemonize: no',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    `  pidfile: "${path.join(dir, 'unbound.pid')}"`,
    '  access-control: 127.0.0.0/8 allow',
    '  module-config: "iterator"',
    '  so-reuseport: no',
    '  local-zone: "cluster.local." static',
    '  local-zone: "96.127.in-addr.arpa." static',
    ...data.map((line) => `  ${line}`),
    'remote-control:',
    '  control-enable: no',
    '',
  ].join('\n');
}

interface PerfResult {
  /** e.g. "NOERROR 95.00%, NXDOMAIN 5.00%": both servers must answer the mix alike. */
  responseCodes: string;
  qps: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  lost: number;
  completed: number;
}

function parseDnsperf(output: string): PerfResult {
  const num = (re: RegExp): number => Number(re.exec(output)?.[1] ?? NaN);
  return {
    responseCodes: (/Response codes:\s+(.*)/.exec(output)?.[1] ?? '?').replace(/ \d+ \(/g, ' ').replace(/\)/g, ''),
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    maxLatencyMs: num(/Average Latency \(s\):.*max ([\d.]+)\)/) * 1000,
    lost: num(/Queries lost:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
  };
}

function median(results: PerfResult[]): PerfResult {
  const sorted = [...results].sort((a, b) => a.qps - b.qps);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

function pinned(core: number, command: string, args: string[]): [string, string[]] {
  return hasTaskset() ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

function runDnsperf(port: number, queriesFile: string): Promise<PerfResult> {
  const [cmd, args] = pinned(1, 'dnsperf', ['-s', HOST, '-p', String(port), '-d', queriesFile, '-l', String(SECONDS), '-c', '4', '-q', '200', '-t', '2']);
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: (SECONDS + 30) * 1000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`bench/dns-perf: dnsperf failed: ${err.message}\n${stderr}`));
      const result = parseDnsperf(stdout);
      if (!Number.isFinite(result.qps)) return reject(new Error(`bench/dns-perf: could not read dnsperf output:\n${stdout}`));
      resolve(result);
    });
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: HOST, port: 0 }, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`bench/dns-perf: ${what} did not start: ${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench/dns-perf: ${what} exited (${code}): ${out}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

function requireTools(): void {
  const missing = [
    ['dnsperf', 'dnsperf'],
    ['unbound', 'unbound'],
  ].filter(([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
  if (missing.length) throw new Error(`bench/dns-perf: missing ${missing.map((m) => m[0]).join(', ')}: run \`apt-get install -y ${missing.map((m) => m[1]).join(' ')}\``);
}

/** The child: meshlet's DNS on HOST, fed the bench zone, printing its port. */
async function serveChild(): Promise<void> {
  const catalog = new MutableCatalog();
  const zone = benchZone();
  catalog.replaceAll('Service', zone.services);
  catalog.replaceAll('Endpoints', zone.endpoints);
  const cacheEntries = process.env['MESHLET_DNS_BENCH_NOCACHE'] === '1' ? 0 : undefined;
  const server = await startDnsServer({ host: HOST, port: 0, catalog, upstreams: [], cacheEntries });
  process.stdout.write(`meshlet-dns-port ${server.port}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

export async function run(): Promise<{ meshlet: PerfResult; uncached: PerfResult; unbound: PerfResult; ratio: number }> {
  requireTools();
  const dir = await mkdtemp(path.join(tmpdir(), 'meshlet-dns-bench-'));
  const children: ChildProcess[] = [];
  try {
    const queriesFile = path.join(dir, 'queries.txt');
    await writeFile(queriesFile, queryMix());

    const self = fileURLToPath(import.meta.url);
    const startMeshlet = async (noCache: boolean): Promise<number> => {
      const [nodeCmd, nodeArgs] = pinned(0, process.execPath, ['--import=tsx', self]);
      const env = { ...process.env, MESHLET_DNS_BENCH_SERVE: '1', MESHLET_DNS_BENCH_NOCACHE: noCache ? '1' : '0' };
      const child = spawn(nodeCmd, nodeArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      return Number(await waitForLine(child, /meshlet-dns-port (\d+)/, 'meshlet DNS'));
    };
    const meshletPort = await startMeshlet(false);
    const uncachedPort = await startMeshlet(true);

    const unboundPort = await freePort();
    const confFile = path.join(dir, 'unbound.conf');
    await writeFile(confFile, unboundConfig(dir, unboundPort, benchZone()));
    const check = spawnSync('unbound-checkconf', [confFile]);
    if (check.status !== 0) throw new Error(`bench/dns-perf: unbound config rejected: ${check.stdout}${check.stderr}`);
    const [ubCmd, ubArgs] = pinned(0, 'unbound', ['-d', '-c', confFile]);
    const unboundChild = spawn(ubCmd, ubArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(unboundChild);
    await waitForUdp(unboundPort);

    // Warm both (first-query JIT for meshlet, cache fill for both), then measure.
    const warm = path.join(dir, 'warm.txt');
    await writeFile(warm, queryMix(2000));
    for (const port of [meshletPort, uncachedPort, unboundPort]) {
      spawnSync('dnsperf', ['-s', HOST, '-p', String(port), '-d', warm, '-n', '2', '-q', '20']);
    }
    const rounds: { meshlet: PerfResult[]; uncached: PerfResult[]; unbound: PerfResult[] } = { meshlet: [], uncached: [], unbound: [] };
    for (let round = 0; round < ROUNDS; round++) {
      rounds.meshlet.push(await runDnsperf(meshletPort, queriesFile));
      rounds.uncached.push(await runDnsperf(uncachedPort, queriesFile));
      rounds.unbound.push(await runDnsperf(unboundPort, queriesFile));
    }
    const meshlet = median(rounds.meshlet);
    const uncached = median(rounds.uncached);
    const unbound = median(rounds.unbound);
    const ratio = meshlet.qps / unbound.qps;

    const row = (name: string, r: PerfResult) =>
      `| ${name.padEnd(16)} | ${r.qps.toFixed(0).padStart(8)} | ${r.avgLatencyMs.toFixed(3).padStart(9)} | ${r.maxLatencyMs.toFixed(1).padStart(8)} | ${String(r.lost).padStart(6)} | ${(r.qps / unbound.qps).toFixed(2).padStart(5)} |`;
    const lines = [
      `cluster names, median of ${ROUNDS} interleaved ${SECONDS} s rounds, dnsperf -c 4 -q 200; servers on core 0, dnsperf on core 1${hasTaskset() ? '' : ' (taskset missing: unpinned)'}`,
      'query mix: 70% ClusterIP A, 10% headless A (3 endpoints), 10% SRV, 5% PTR, 5% NXDOMAIN',
      '| server           |    qps   | avg ms    | max ms   | lost   | ratio |',
      '|------------------|----------|-----------|----------|--------|-------|',
      row('meshlet (Node)', meshlet),
      row('meshlet, no cache', uncached),
      row('unbound 1 thread', unbound),
      `qps per round: meshlet ${rounds.meshlet.map((r) => r.qps.toFixed(0)).join(' ')} | no cache ${rounds.uncached.map((r) => r.qps.toFixed(0)).join(' ')} | unbound ${rounds.unbound.map((r) => r.qps.toFixed(0)).join(' ')}`,
      `response codes: meshlet ${meshlet.responseCodes} | no cache ${uncached.responseCodes} | unbound ${unbound.responseCodes}`,
      `target ≥ ${TARGET_QPS} qps per core (CoreDNS): ${meshlet.qps >= TARGET_QPS ? 'met' : 'NOT met'} (${meshlet.qps.toFixed(0)} qps, ${(meshlet.qps / TARGET_QPS).toFixed(2)}× target)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return { meshlet, uncached, unbound, ratio };
  } finally {
    for (const child of children) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  }
}

async function waitForUdp(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  const dgram = await import('node:dgram');
  // SOA query for cluster.local.
  const packet = Buffer.concat([Buffer.from([0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from('0b636c7573746572056c6f63616c0000060001', 'hex')]);
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = dgram.createSocket('udp4');
      const timer = setTimeout(() => {
        socket.close();
        resolve(false);
      }, 200);
      socket.on('message', () => {
        clearTimeout(timer);
        socket.close();
        resolve(true);
      });
      socket.on('error', () => {
        clearTimeout(timer);
        socket.close();
        resolve(false);
      });
      socket.bind(0, HOST, () => socket.send(packet, port, HOST));
    });
    if (ok) return;
  }
  throw new Error(`bench/dns-perf: unbound did not answer on ${HOST}:${port}`);
}

if (process.env['MESHLET_DNS_BENCH_SERVE'] === '1') {
  await serveChild();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
