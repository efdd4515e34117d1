// The ingress gateway: one HTTP listener on 127.0.0.1 serving every HTTP
// server of the Gateways that select it (plus Ingress rules), and optional
// raw TCP listeners for TCP servers.

import type { Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';
import type { Tracer } from '@opentelemetry/api';
import type { Clock } from '../../control/api/index.ts';
import { systemClock } from '../../control/api/index.ts';
import type { ConfigSource } from '../config/inputs.ts';
import type { ProxyIdentity } from '../config/identity.ts';
import { DEFAULT_GATEWAY_IDENTITY } from '../config/identity.ts';
import type { RouteTable } from '../config/table.ts';
import { RouteTableWatcher } from '../config/watcher.ts';
import { ClusterStates } from '../endpoints/state.ts';
import type { AuthorizationCheck, LayerDeps } from '../layers/deps.ts';
import { ALLOW_ALL } from '../layers/deps.ts';
import { buildRequestStack } from '../layers/stack.ts';
import type { RateLimitService } from '../ratelimit/types.ts';
import type { MeshMetrics } from '../telemetry/metrics.ts';
import { createUpstream } from './http-proxy-adapter.ts';
import { closeServer, createHttpListener, listen } from './http-listener.ts';
import { createGatewayTcpListener } from './tcp.ts';

export interface IngressGatewayOptions {
  host?: string;
  /** 0 = a free port. Default 0. */
  port?: number;
  config: ConfigSource;
  identity?: ProxyIdentity;
  /** Gateway TCP server port → local listen port (0 = free), e.g. { 31400: 0 } for tcp-echo. */
  tcpPorts?: Record<number, number>;
  tracer?: Tracer;
  metrics?: MeshMetrics;
  rateLimit?: RateLimitService;
  authorization?: AuthorizationCheck;
  clock?: Clock;
  random?: () => number;
  /** Port number the HTTP listener stands for in route `match.port` (default: the first HTTP server port, else 80). */
  servicePort?: number;
  inboundPort?: number;
  accessLog?: (line: string) => void;
}

export interface IngressGateway {
  readonly port: number;
  /** Gateway server port → actual local port. */
  readonly tcpPorts: Readonly<Record<number, number>>;
  table(): RouteTable;
  close(): Promise<void>;
}

export async function startIngressGateway(options: IngressGatewayOptions): Promise<IngressGateway> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const identity = options.identity ?? DEFAULT_GATEWAY_IDENTITY;
  const watcher = new RouteTableWatcher({ source: options.config, proxy: identity });
  const upstream = createUpstream();
  const clusters = new ClusterStates(clock);
  const deps: LayerDeps = {
    clock,
    random: options.random ?? Math.random,
    upstream,
    clusters,
    inboundPort: options.inboundPort ?? 15006,
    outboundTrafficPolicy: 'REGISTRY_ONLY',
    rateLimit: options.rateLimit,
    authorization: options.authorization ?? ALLOW_ALL,
    tracer: options.tracer,
    metrics: options.metrics,
    accessLog: options.accessLog,
  };
  const table = (): RouteTable => watcher.current();
  const defaultPort = (): number => options.servicePort ?? table().gatewayServers.find((s) => s.protocol === 'HTTP')?.port ?? 80;
  const stack = buildRequestStack(deps);
  watcher.onUpdate((t) => clusters.prune(t.clusters));
  const http = createHttpListener({
    direction: 'outbound',
    host,
    port: options.port ?? 0,
    handler: (req) => {
      req.port = defaultPort();
      // The edge records who called it, as Envoy does for external requests.
      const xff = req.headers['x-forwarded-for'];
      req.headers['x-forwarded-for'] = xff ? `${String(xff)}, ${req.remoteAddress}` : req.remoteAddress;
      req.headers['x-forwarded-proto'] ??= req.scheme;
      req.headers['x-envoy-external-address'] = req.remoteAddress;
      return stack(req);
    },
    table,
    clock,
    defaultPort: 80,
  });
  const servers: Server[] = [];
  try {
    const port = await listen(http, host, options.port ?? 0);
    servers.push(http);
    const tcpPorts: Record<number, number> = {};
    for (const [serverPort, localPort] of Object.entries(options.tcpPorts ?? {})) {
      const s = createGatewayTcpListener(Number(serverPort), table, { clusters, random: deps.random, inboundPort: deps.inboundPort, metrics: options.metrics });
      tcpPorts[Number(serverPort)] = await listen(s as unknown as HttpServer, host, localPort);
      servers.push(s);
    }
    return {
      port,
      tcpPorts,
      table,
      async close() {
        watcher.close();
        await Promise.all(servers.map((s) => closeNet(s)));
        upstream.close();
      },
    };
  } catch (err) {
    watcher.close();
    await Promise.all(servers.map((s) => closeNet(s)));
    upstream.close();
    throw err;
  }
}

function closeNet(s: Server): Promise<void> {
  if ('closeAllConnections' in s) return closeServer(s as HttpServer);
  return new Promise((resolve) => s.close(() => resolve()));
}
