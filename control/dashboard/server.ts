// The dashboard's HTTP server: loopback only, one page plus JSON and SSE endpoints.
import http from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../api/index.ts';
import { loadAssets } from './assets.ts';
import { DashboardError } from './errors.ts';
import { EventStream } from './events.ts';
import { EdgeRateTracker } from './rates.ts';
import { handleRequest, sendJson } from './routes.ts';
import { readSnapshot } from './snapshot.ts';
import type { DashboardSource } from './source.ts';

export interface DashboardOptions {
  /** Loopback address to bind. Default 127.0.0.1; anything outside 127.0.0.0/8 and ::1 is refused. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  source: DashboardSource;
  /** Drives throttling, refresh and rate windows. Default: the system clock. */
  clock?: Clock;
  /** Minimum gap between live pushes. Default 250 ms. */
  throttleMs?: number;
  /** Refresh interval while a page is open. Default 2000 ms. */
  refreshMs?: number;
  /** Where source failures are reported. Default: console.error. */
  onError?(err: unknown): void;
  /** Prometheus text served at /metrics (Istio standard metrics, rate-limit counters, process metrics). */
  metrics?: () => string | Promise<string>;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new DashboardError('MESHLET_DASHBOARD_HOST', `refusing to bind ${host}: the dashboard listens on loopback addresses only`);
  }
  const clock = options.clock ?? systemClock;
  const onError = options.onError ?? ((err: unknown) => console.error(`control/dashboard: ${err instanceof Error ? err.message : String(err)}`));
  const { source } = options;
  const rates = new EdgeRateTracker(clock);
  const events = new EventStream({
    clock,
    read: () => readSnapshot(source, rates, clock),
    throttleMs: options.throttleMs,
    refreshMs: options.refreshMs,
    onError,
  });
  const assets = await loadAssets();
  const unsubscribe = source.onChange(() => events.changed());

  const server = http.createServer((req, res) => {
    handleRequest({ source, rates, events, assets, metrics: options.metrics }, req, res).catch((err: unknown) => {
      onError(new DashboardError('MESHLET_DASHBOARD_SOURCE', `${req.url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      if (!res.headersSent) sendJson(res, 500, { error: 'dashboard source failed' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}/`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        events.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
