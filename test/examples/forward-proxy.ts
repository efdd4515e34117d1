// A tiny stand-in for a pod's sidecar outbound listener: accepts absolute-URI proxy
// requests (GET http://details:9080/x), records them, and forwards to a real address,
// answers with a fixed status, or never answers (to exercise client timeouts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyTarget = { address: string; port: number } | { status: number } | 'hang';

export interface ProxiedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface ForwardProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Routes keyed by `host:port` as the client wrote it in the absolute URI. */
  routes: Map<string, ProxyTarget>;
  close(): Promise<void>;
}

export async function startForwardProxy(host: string): Promise<ForwardProxy> {
  const routes = new Map<string, ProxyTarget>();
  const requests: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    const raw = req.url ?? '';
    requests.push({ method: req.method ?? 'GET', url: raw, headers: req.headers });
    if (!/^http:\/\//.test(raw)) {
      res.writeHead(400).end('not a proxy request');
      return;
    }
    const target = new URL(raw);
    const route = routes.get(target.host);
    if (route === undefined) {
      res.writeHead(503).end('no healthy upstream');
      return;
    }
    if (route === 'hang') return;
    if ('status' in route) {
      res.writeHead(route.status).end('fault');
      return;
    }
    const upstream = http.request(
      { host: route.address, port: route.port, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(503).end('upstream connect error'));
    req.pipe(upstream);
  });
  await new Promise<void>((ready) => server.listen(0, host, ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    requests,
    routes,
    close: () => new Promise((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}
