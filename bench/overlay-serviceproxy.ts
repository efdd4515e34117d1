// Service VIP cost: HTTP requests/s and latency through the userspace service
// proxy (ClusterIP:port → endpoint) against the same backend reached directly,
// measured with wrk in the same run. The proxy runs in this process, the
// backend in a child process, wrk in another.
//
// Run alone: node --import=tsx bench/overlay-serviceproxy.ts

import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import type { Endpoints, Service } from '../control/api/index.ts';
import { MutableCatalog, startServiceProxy } from '../overlay/index.ts';

const SECONDS = Number(process.env['PROXY_BENCH_SECONDS'] ?? 5);
const BACKEND_IP = '127.203.0.2';
const VIP = '127.203.1.1';

interface WrkResult {
  rps: number;
  avgLatencyMs: number;
  errors: number;
}

function meta(name: string) {
  return { name, namespace: 'bench', uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' };
}

function parseLatencyMs(text: string): number {
  const m = /Latency\s+([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return NaN;
  const value = Number(m[1]);
  return m[2] === 'us' ? value / 1000 : m[2] === 's' ? value * 1000 : value;
}

function runWrk(url: string, connections: number): Promise<WrkResult> {
  const args = ['-t', '1', '-c', String(connections), '-d', `${SECONDS}s`, url];
  const [cmd, argv] = spawnSync('taskset', ['-c', '1', 'true']).status === 0 ? ['taskset', ['-c', '1', 'wrk', ...args]] : ['wrk', args];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: (SECONDS + 20) * 1000 }, (err, stdout) => {
      if (err) return reject(new Error(`bench/overlay-serviceproxy: wrk failed: ${err.message}`));
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
      const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? /Socket errors: connect (\d+)/.exec(stdout)?.[1] ?? '0';
      resolve({ rps, avgLatencyMs: parseLatencyMs(stdout), errors: Number(errors) });
    });
  });
}

async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function run(): Promise<{ direct: WrkResult; proxied: WrkResult; ratio: number }> {
  if (spawnSync('sh', ['-c', 'command -v wrk']).status !== 0) throw new Error('bench/overlay-serviceproxy: wrk is missing: run `apt-get install -y wrk`');
  const port = await freePort(BACKEND_IP);
  const backendCode = `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '${BACKEND_IP}', () => console.log('ready'))`;
  const taskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const backend: ChildProcess = taskset
    ? spawn('taskset', ['-c', '0', process.execPath, '-e', backendCode], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, ['-e', backendCode], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      backend.stdout!.once('data', () => resolve());
      backend.once('exit', (code) => reject(new Error(`bench/overlay-serviceproxy: backend exited ${code}`)));
    });
    const catalog = new MutableCatalog();
    const vipPort = await freePort(VIP);
    const service: Service = { apiVersion: 'v1', kind: 'Service', metadata: meta('web'), spec: { clusterIP: VIP, ports: [{ name: 'http', port: vipPort }] } };
    const endpoints: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: meta('web'), subsets: [{ addresses: [{ ip: BACKEND_IP }], ports: [{ name: 'http', port }] }] };
    catalog.upsert(service);
    catalog.upsert(endpoints);
    const proxy = await startServiceProxy({ catalog });
    try {
      const rows: string[] = [];
      const results: { direct: WrkResult; proxied: WrkResult }[] = [];
      for (const connections of [1, 32]) {
        const direct = await runWrk(`http://${BACKEND_IP}:${port}/`, connections);
        const proxied = await runWrk(`http://${VIP}:${vipPort}/`, connections);
        results.push({ direct, proxied });
        const row = (name: string, r: WrkResult, base: WrkResult) =>
          `| ${name.padEnd(28)} | ${String(connections).padStart(5)} | ${r.rps.toFixed(0).padStart(8)} | ${r.avgLatencyMs.toFixed(3).padStart(8)} | ${String(r.errors).padStart(6)} | ${(r.rps / base.rps).toFixed(2).padStart(5)} |`;
        rows.push(row('direct to the pod', direct, direct), row('via ClusterIP (serviceproxy)', proxied, direct));
      }
      process.stdout.write(
        [
          `HTTP keep-alive, ${SECONDS} s each, wrk -t1; backend on core 0, wrk on core 1, proxy in the bench process`,
          '| path                         | conns |  req/s   | avg ms   | errors | ratio |',
          '|------------------------------|-------|----------|----------|--------|-------|',
          ...rows,
          '',
        ].join('\n'),
      );
      const last = results[results.length - 1]!;
      return { ...last, ratio: last.proxied.rps / last.direct.rps };
    } finally {
      await proxy.close();
    }
  } finally {
    backend.kill('SIGTERM');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
