// The node's log endpoint, as the kubelet's /containerLogs on port 10250: the
// API server streams logs of pods that run in another process (a joined node)
// from here. It also serves the node's usage samples at /stats/usage (JSON,
// the role of the kubelet's resource metrics endpoint) for the control plane
// of another process. Loopback only, on the node's own address; no authentication
// beyond that (the kubelet uses TLS client certificates).

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../api/index.ts';
import type { PodLogOptions, PodLogStreamSource } from './containers/index.ts';
import type { NodeUsageReport } from './usage-sampler.ts';

export const KUBELET_PORT = 10250;

export interface NodeLogServer {
  port: number;
  close(): Promise<void>;
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ApiError('BadRequest', `${name}=${JSON.stringify(raw)} must be a non-negative integer`);
  return n;
}

export const USAGE_PATH = '/stats/usage';

export async function startNodeLogServer(options: { host: string; port?: number; logs: PodLogStreamSource; usage?: () => NodeUsageReport }): Promise<NodeLogServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://node');
    if (req.method === 'GET' && url.pathname === USAGE_PATH && options.usage) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(options.usage()));
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    const fail = (err: unknown) => {
      const apiErr = err instanceof ApiError ? err : new ApiError('InternalError', err instanceof Error ? err.message : String(err));
      if (!res.headersSent) res.writeHead(apiErr.httpStatus, { 'content-type': 'application/json' }).end(JSON.stringify(apiErr.toStatus()));
      else res.destroy();
    };
    if (req.method !== 'GET' || !m) return fail(new ApiError('NotFound', `control/agent: no such endpoint ${req.method} ${url.pathname}`));
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    void (async () => {
      const logOptions: PodLogOptions = {
        container: m[3] ? decodeURIComponent(m[3]) : undefined,
        follow: url.searchParams.get('follow') === 'true',
        previous: url.searchParams.get('previous') === 'true',
        tailLines: intParam(url.searchParams, 'tailLines'),
        sinceSeconds: intParam(url.searchParams, 'sinceSeconds'),
        signal: abort.signal,
      };
      for await (const chunk of options.logs.stream(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), logOptions)) {
        if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.write(chunk);
      }
      if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end();
    })().catch(fail);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? KUBELET_PORT, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
