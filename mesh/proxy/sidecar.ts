// A pod's sidecar: an outbound listener (explicit HTTP proxy, podIP:15001)
// and an inbound listener (podIP:15006), sharing one route table, one set of
// cluster states and one upstream connection pool.

import type { Socket } from 'node:net';
import type { Server } from 'node:http';
import type { Tracer } from '@opentelemetry/api';
import type { Clock } from '../../control/api/index.ts';
import { systemClock } from '../../control/api/index.ts';
import type { ConfigSource } from '../config/inputs.ts';
import type { ProxyIdentity } from '../config/identity.ts';
import type { RouteTable } from '../config/table.ts';
import { RouteTableWatcher } from '../config/watcher.ts';
import { ClusterStates } from '../endpoints/state.ts';
import type { AuthorizationCheck, LayerDeps, NetworkPolicyCheck } from '../layers/deps.ts';
import { ALLOW_ALL } from '../layers/deps.ts';
import { buildRequestStack } from '../layers/stack.ts';
import type { RateLimitService } from '../ratelimit/types.ts';
import type { MeshMetrics } from '../telemetry/metrics.ts';
import { createUpstream } from './http-proxy-adapter.ts';
import { closeServer, createHttpListener, listen } from './http-listener.ts';
import { handleInboundConnect, handleOutboundConnect } from './tcp.ts';

export interface SidecarOptions {
  identity: ProxyIdentity;
  podIp: string;
  config: ConfigSource;
  tracer?: Tracer;
  metrics?: MeshMetrics;
  rateLimit?: RateLimitService;
  authorization?: AuthorizationCheck;
  /** NetworkPolicy enforcement for this pod (process runtime); none: not enforced here. */
  networkPolicy?: NetworkPolicyCheck;
  /** Timing for retries, timeouts, faults and outlier ejection; default system clock. */
  clock?: Clock;
  /** Uniform in [0, 1); default Math.random. */
  random?: () => number;
  outboundPort?: number;
  inboundPort?: number;
  /** ALLOW_ANY (default): unknown loopback hosts pass through; REGISTRY_ONLY: 502. */
  outboundTrafficPolicy?: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  accessLog?: (line: string) => void;
}

export interface Sidecar {
  readonly outboundPort: number;
  readonly inboundPort: number;
  /** The route table currently in force. */
  table(): RouteTable;
  /** Runtime state of clusters (in-flight, ejected endpoints) for explain / dashboard. */
  clusterStates(): ReturnType<ClusterStates['snapshot']>;
  close(): Promise<void>;
}

export async function startSidecar(options: SidecarOptions): Promise<Sidecar> {
  const clock = options.clock ?? systemClock;
  const identity = { ...options.identity, ip: options.identity.ip ?? options.podIp };
  const watcher = new RouteTableWatcher({ source: options.config, proxy: identity });
  const upstream = createUpstream();
  const clusters = new ClusterStates(clock);
  const inboundPort = options.inboundPort ?? 15006;
  const ownListeners = new Set<string>();
  const deps: LayerDeps = {
    clock,
    random: options.random ?? Math.random,
    upstream,
    clusters,
    inboundPort,
    localAddress: options.podIp,
    outboundTrafficPolicy: options.outboundTrafficPolicy ?? 'ALLOW_ANY',
    rateLimit: options.rateLimit,
    authorization: options.authorization ?? ALLOW_ALL,
    networkPolicy: options.networkPolicy,
    tracer: options.tracer,
    metrics: options.metrics,
    reporterPod: identity.kind === 'sidecar' ? `${identity.namespace}/${identity.name}` : undefined,
    accessLog: options.accessLog,
    ownListeners,
  };
  const stack = buildRequestStack(deps);
  watcher.onUpdate((t) => clusters.prune(t.clusters));
  const table = (): RouteTable => watcher.current();
  const tcpDeps = { clusters, random: deps.random, inboundPort, localAddress: options.podIp, metrics: options.metrics, accessLog: options.accessLog, networkPolicy: options.networkPolicy };

  const outbound = createHttpListener({ direction: 'outbound', host: options.podIp, port: options.outboundPort ?? 15001, handler: stack, table, clock, defaultPort: 80 });
  outbound.on('connect', (req, socket, head) => handleOutboundConnect(table(), tcpDeps, req, socket as Socket, head));
  const inbound = createHttpListener({ direction: 'inbound', host: options.podIp, port: inboundPort, handler: stack, table, clock, defaultPort: 80 });
  inbound.on('connect', (req, socket) => handleInboundConnect(table(), tcpDeps, req, socket as Socket));

  const servers: Server[] = [];
  try {
    const outPort = await listen(outbound, options.podIp, options.outboundPort ?? 15001);
    servers.push(outbound);
    const inPort = await listen(inbound, options.podIp, inboundPort);
    servers.push(inbound);
    ownListeners.add(`${options.podIp}:${outPort}`).add(`${options.podIp}:${inPort}`);
    return {
      outboundPort: outPort,
      inboundPort: inPort,
      table,
      clusterStates: () => clusters.snapshot(),
      async close() {
        watcher.close();
        await Promise.all(servers.map(closeServer));
        upstream.close();
      },
    };
  } catch (err) {
    watcher.close();
    await Promise.all(servers.map(closeServer));
    upstream.close();
    throw err;
  }
}
