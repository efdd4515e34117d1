// The HTTP listener: authenticates every request with the bearer token,
// routes discovery and resource paths, and turns errors into Status bodies.

import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Client, Clock } from '../api/index.ts';
import { ApiError, KindCatalog, MeshletError, systemClock } from '../api/index.ts';
import { parseResourcePath } from './request-info.ts';
import { handleResource } from './resource-handlers.ts';
import type { PodLogSource } from './log.ts';
import { sendError, sendJson } from './responses.ts';
import { sendDiscovery } from './discovery-etag.ts';
import { aggregatedContentType, aggregatedCore, aggregatedGroups, wantsAggregated } from './aggregated-discovery.ts';
import { serveAuthReview } from './auth-reviews.ts';
import { minimalOpenApiV2Protobuf, OPENAPI_V2_PROTOBUF_RESPONSE, wantsOpenApiV2Protobuf } from './openapi-v2-proto.ts';
import { openApiV2Document, openApiV3ForPath, openApiV3Index } from './openapi.ts';
import { createServingCert } from './serving-cert.ts';
import type { ServingCert } from './serving-cert.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import type { MetricsApiSources } from './metrics-handlers.ts';
import { serveCustomMetrics, serveResourceMetrics } from './metrics-handlers.ts';
import { extraResourceList, metricsGroups } from './metrics-discovery.ts';

export interface ApiServerOptions {
  client: Client;
  /** Loopback address to bind; default 127.0.0.1. Wildcards are refused. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Bearer token every request must carry. */
  token: string;
  podLogs?: PodLogSource;
  /** Reported as gitVersion by /version; default v1.32.0-meshlet. */
  version?: string;
  /**
   * Serving certificate. Default: a fresh self-signed one for `host`. Pass a
   * persisted one so kubeconfigs written earlier stay valid across restarts.
   */
  tls?: ServingCert;
  /** Drives the AGE columns of Table output. Default: the system clock. */
  clock?: Clock;
  /** Serves metrics.k8s.io (and custom.metrics.k8s.io with `rates`); absent → those groups are not served. */
  metrics?: MetricsApiSources;
  /** The kinds served, CRD-defined ones included; share the registry's (`registry.kinds`). Default: the built-ins. */
  kinds?: KindCatalog;
}

export interface ApiServer {
  /** https://HOST:PORT */
  url: string;
  port: number;
  /** PEM of the serving certificate; clients trust it as their CA (kubeconfigFor's caData). */
  caData: string;
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === 'localhost' || host === '::1';
}

function authorized(req: IncomingMessage, token: Buffer): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim());
  return given.length === token.length && timingSafeEqual(given, token);
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new MeshletError('MESHLET_APISERVER_HOST', `apiserver: refusing to listen on ${host}: only loopback addresses are allowed`);
  if (!options.token) throw new MeshletError('MESHLET_APISERVER_TOKEN', 'apiserver: a bearer token is required');
  const token = Buffer.from(options.token);
  const gitVersion = options.version ?? 'v1.32.0-meshlet';
  const kinds = options.kinds ?? new KindCatalog();
  let url = '';
  const clock = options.clock ?? systemClock;
  const extraGroups = metricsGroups(options.metrics);

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!authorized(req, token)) throw new ApiError('Unauthorized', 'Unauthorized');
    const parsed = new URL(req.url ?? '/', 'http://apiserver.invalid');
    const path = parsed.pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'GET') {
      if (path === '/version') return sendJson(res, 200, versionInfo(gitVersion));
      if (path === '/api' || path === '/apis') {
        const flavour = wantsAggregated(req);
        if (flavour) {
          const body = path === '/api' ? aggregatedCore(kinds, flavour) : aggregatedGroups(kinds, flavour, extraGroups);
          return sendDiscovery(req, res, body, aggregatedContentType(flavour));
        }
        return sendDiscovery(req, res, path === '/api' ? apiVersions(new URL(url).host) : apiGroupList(kinds, extraGroups));
      }
      if (path === '/healthz' || path === '/readyz' || path === '/livez') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        return;
      }
      if (path === '/openapi/v3') return sendJson(res, 200, openApiV3Index(kinds));
      if (path === '/openapi/v2') {
        if (wantsOpenApiV2Protobuf(req.headers.accept)) {
          const body = minimalOpenApiV2Protobuf('v1.32.0');
          res.writeHead(200, { 'content-type': OPENAPI_V2_PROTOBUF_RESPONSE, 'content-length': body.length });
          res.end(body);
          return;
        }
        return sendJson(res, 200, openApiV2Document(kinds));
      }
      if (path.startsWith('/openapi/v3/')) {
        const doc = openApiV3ForPath(kinds, path);
        if (doc) return sendJson(res, 200, doc);
        throw new ApiError('NotFound', `the server could not find the requested resource (${path})`);
      }
      const groupOnly = /^\/apis\/([^/]+)$/.exec(path);
      if (groupOnly) {
        const group = apiGroup(kinds, groupOnly[1]!, extraGroups);
        if (group) return sendDiscovery(req, res, group);
        throw new ApiError('NotFound', `the server could not find the requested resource`);
      }
      const core = /^\/api\/([^/]+)$/.exec(path);
      const named = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
      const extra = named ? extraGroups.find((g) => g.name === named[1] && g.version === named[2]) : undefined;
      if (extra) return sendJson(res, 200, extraResourceList(extra));
      if (core || named) {
        const list = core ? apiResourceList(kinds, '', core[1]!) : apiResourceList(kinds, named![1]!, named![2]!);
        if (list) return sendDiscovery(req, res, list);
        throw new ApiError('NotFound', 'the server could not find the requested resource');
      }
    }
    if (await serveAuthReview(req, res, path)) return;
    if (options.metrics) {
      const method = req.method ?? 'GET';
      const body =
        (await serveResourceMetrics(options.client, options.metrics.resources, method, path, parsed.searchParams, clock.now())) ??
        (options.metrics.rates ? await serveCustomMetrics(options.client, options.metrics.rates, method, path, parsed.searchParams) : undefined);
      if (body) return sendJson(res, 200, body);
    }
    const request = parseResourcePath(path, kinds);
    if (!request) throw new ApiError('NotFound', `the server could not find the requested resource (${req.method} ${path})`);
    if ('unknownResource' in request) throw new ApiError('NotFound', `the server could not find the requested resource (${request.unknownResource})`);
    await handleResource({ client: options.client, clock, podLogs: options.podLogs, req, res, query: parsed.searchParams, request });
  };

  const tls = options.tls ?? createServingCert([host, 'localhost', '127.0.0.1']);
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    route(req, res).catch((err: unknown) => sendError(res, err));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    caData: tls.cert,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
