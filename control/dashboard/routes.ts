// HTTP routes: the page's assets, JSON views of the source, and the event stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Asset } from './assets.ts';
import type { EventStream } from './events.ts';
import type { EdgeRateTracker } from './rates.ts';
import { readGraph, TRACE_LIST_LIMIT } from './snapshot.ts';
import type { DashboardSource } from './source.ts';

export interface RouteContext {
  source: DashboardSource;
  rates: EdgeRateTracker;
  events: EventStream;
  assets: Map<string, Asset>;
  /** Prometheus text exposition served at /metrics, when the cluster provides one. */
  metrics?: () => string | Promise<string>;
}

const TRACE_ID = /^[0-9a-fA-F]{1,32}$/;
const MAX_TRACE_LIMIT = 500;

export async function handleRequest(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://dashboard');
  const path = url.pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });

  const asset = ctx.assets.get(path === '/index.html' ? '/' : path);
  if (asset) {
    res.writeHead(200, { 'content-type': asset.contentType, 'content-length': asset.body.length, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return;
  }
  switch (path) {
    case '/api/graph':
      return sendJson(res, 200, await readGraph(ctx.source, ctx.rates));
    case '/api/splits':
      return sendJson(res, 200, await ctx.source.splits());
    case '/api/traces':
      return sendJson(res, 200, await ctx.source.traces(traceLimit(url.searchParams.get('limit'))));
    case '/api/cluster':
      return sendJson(res, 200, await ctx.source.cluster());
    case '/api/events':
      return ctx.events.attach(res);
    case '/healthz':
      return sendJson(res, 200, { status: 'ok' });
    case '/metrics': {
      if (!ctx.metrics) break;
      const body = Buffer.from(await ctx.metrics());
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
  }
  const trace = /^\/api\/traces\/([^/]+)$/.exec(path);
  if (trace) {
    const id = decodeURIComponent(trace[1]!);
    if (!TRACE_ID.test(id)) return sendJson(res, 400, { error: `invalid trace id ${JSON.stringify(id)}` });
    const spans = await ctx.source.trace(id.toLowerCase());
    if (spans.length === 0) return sendJson(res, 404, { error: `trace ${id} not found` });
    return sendJson(res, 200, [...spans].sort((a, b) => a.startMs - b.startMs));
  }
  return sendJson(res, 404, { error: 'not found' });
}

function traceLimit(raw: string | null): number {
  const limit = raw === null ? TRACE_LIST_LIMIT : Number(raw);
  return Number.isInteger(limit) && limit > 0 ? Math.min(limit, MAX_TRACE_LIMIT) : TRACE_LIST_LIMIT;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
