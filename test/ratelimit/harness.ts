// Test harness: small loopback HTTP "replicas" that ask a RateLimitService
// before answering (what a sidecar's rate-limit layer does), and a throwaway
// redis-server on a random loopback port.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../control/api/clock.ts';
import type { RateLimitRequest, RateLimitService } from '../../mesh/ratelimit/index.ts';
import { waitFor as waitUntil } from '../helpers/wait.ts';

export interface Replica {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Header carrying the virtual time at which the replica asked the limiter. */
export const CHECKED_AT = 'x-test-checked-at';

export async function startReplica(
  host: string,
  limiter: RateLimitService,
  clock: Clock,
  proxy: RateLimitRequest['proxy'],
): Promise<Replica> {
  const server = http.createServer((req, res) => {
    const checkedAt = clock.now();
    const request = inboundRequest(req, proxy);
    void Promise.resolve(limiter.check(request)).then(
      (decision) => {
        res.setHeader(CHECKED_AT, String(checkedAt));
        for (const [k, v] of Object.entries(decision.responseHeaders)) res.setHeader(k, v);
        if (decision.allowed) {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        } else {
          res.writeHead(decision.status ?? 429, { 'content-type': 'text/plain' }).end(decision.status === 500 ? 'rate limiter unavailable\n' : 'local_rate_limited\n');
        }
      },
      (err: unknown) => {
        res.writeHead(599).end(String(err));
      },
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
}

export function httpGet(url: string, agent: http.Agent, path = '/'): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.get(url + path, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}${path} timed out`)));
    req.on('error', reject);
  });
}

export async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What a sidecar's inbound rate-limit layer would ask for this plain HTTP request. */
export function inboundRequest(req: http.IncomingMessage, proxy: RateLimitRequest['proxy']): RateLimitRequest {
  return {
    proxy,
    direction: 'inbound',
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    authority: req.headers.host ?? '',
    headers: req.headers,
    sourceIp: req.socket.remoteAddress ?? '',
  };
}

/** Polls `condition` until true or the deadline passes (no blind sleeps). */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  await waitUntil(what, condition, { timeoutMs, intervalMs: 20 });
}

export function requireRedisServer(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('redis-server is not installed: install it with `apt-get install -y redis-server` (tests start their own on a loopback port)');
  }
}

export interface RedisProcess {
  url: string;
  host: string;
  port: number;
  child: ChildProcess;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let data = '';
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      data += d.toString();
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.startsWith('+PONG'));
      }
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}

export async function startRedis(host: string, port?: number): Promise<RedisProcess> {
  requireRedisServer();
  const p = port ?? (await freePort(host));
  const child = spawn('redis-server', ['--port', String(p), '--bind', host, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  await waitFor(async () => exited || (await ping(host, p)), 10_000, `redis-server on ${host}:${p}`);
  if (exited) throw new Error(`redis-server on ${host}:${p} exited at start`);
  return {
    url: `redis://${host}:${p}`,
    host,
    port: p,
    child,
    kill: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await gone;
    },
  };
}
