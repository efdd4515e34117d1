// TCP through the mesh. Apps reach TCP services with CONNECT host:port on the
// outbound listener (what HTTP_PROXY clients do for non-HTTP traffic); the
// sidecar applies the VirtualService tcp routes (weights, subsets), picks an
// endpoint and tunnels to its sidecar with CONNECT ip:port on :15006 (the
// HBONE idea), which pipes to the workload. Gateways accept raw TCP per
// server port and route the same way.

import type { IncomingMessage } from 'node:http';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { ClusterStates } from '../endpoints/state.ts';
import { pickEndpoint } from '../endpoints/balancer.ts';
import { lookupServiceHost, pickWeighted } from '../config/lookup.ts';
import { matchTcpRoute } from '../config/match.ts';
import { isLoopbackAddress } from '../config/hosts.ts';
import type { CompiledTcpRoute, EndpointInfo, RouteTable } from '../config/table.ts';
import type { MeshMetrics, RequestLabels } from '../telemetry/metrics.ts';
import { UNKNOWN_WORKLOAD } from '../config/identity.ts';
import type { WorkloadInfo } from '../config/identity.ts';
import { canonicalOf, clusterOf } from '../telemetry/canonical.ts';
import type { NetworkPolicyCheck } from '../layers/deps.ts';

export interface TcpDeps {
  clusters: ClusterStates;
  random: () => number;
  inboundPort: number;
  localAddress?: string;
  metrics?: MeshMetrics;
  accessLog?: (line: string) => void;
  networkPolicy?: NetworkPolicyCheck;
}

interface TcpTarget {
  host: string;
  port: number;
  /** Tunnel through the endpoint's sidecar. */
  tunnelTo?: { host: string; port: number };
  endpoint?: EndpointInfo;
  cluster?: string;
  service?: string;
}

function chooseTarget(table: RouteTable, routes: readonly CompiledTcpRoute[], port: number, deps: TcpDeps, source: WorkloadInfo | undefined, sourceIp: string): TcpTarget | undefined {
  const route = matchTcpRoute(routes, { port, sourceLabels: source?.labels, sourceNamespace: source?.namespace });
  const dest = route ? pickWeighted(route.destinations, deps.random()) : undefined;
  const cluster = dest ? table.clusters.get(dest.cluster) : undefined;
  if (!cluster) return undefined;
  const healthy = deps.clusters.healthy(cluster.name, cluster.endpoints);
  const pick = pickEndpoint(cluster.name, cluster.policy.lb, healthy, deps.clusters, deps.random, {
    header: () => undefined, cookie: () => undefined, queryParam: () => undefined, sourceIp,
  });
  const e = pick.endpoint;
  if (!e) return undefined;
  return {
    host: e.address,
    port: e.port,
    tunnelTo: e.meshed ? { host: e.address, port: deps.inboundPort } : undefined,
    endpoint: e,
    cluster: cluster.name,
    service: cluster.service.fqdn,
  };
}

function tcpLabels(table: RouteTable, t: TcpTarget, reporter: 'source' | 'destination', source: WorkloadInfo | undefined, clusterId: string): RequestLabels {
  const src = source ?? UNKNOWN_WORKLOAD;
  const dst = reporter === 'destination' ? table.self : (t.endpoint?.workload ?? UNKNOWN_WORKLOAD);
  const svc = t.service ? table.servicesByHost.get(t.service) : undefined;
  const sc = canonicalOf(src);
  const dc = canonicalOf(dst);
  return {
    reporter,
    source_workload: src.workload, source_workload_namespace: src.namespace, source_principal: src.principal, source_app: src.app, source_version: src.version,
    source_canonical_service: sc.service, source_canonical_revision: sc.revision, source_cluster: clusterOf(src, clusterId),
    destination_workload: dst.workload, destination_workload_namespace: dst.namespace, destination_principal: dst.principal, destination_app: dst.app, destination_version: dst.version,
    destination_service: t.service ?? t.host, destination_canonical_service: dc.service, destination_canonical_revision: dc.revision,
    destination_service_name: svc?.name ?? t.host, destination_service_namespace: svc?.namespace ?? 'unknown', destination_cluster: clusterOf(dst, clusterId),
    request_protocol: 'tcp', response_code: '0', grpc_response_status: '', response_flags: '-', connection_security_policy: 'unknown',
  };
}

function recordTcp(deps: TcpDeps, table: RouteTable, t: TcpTarget, reporter: 'source' | 'destination', source: WorkloadInfo | undefined, event: Parameters<MeshMetrics['recordTcp']>[1]): void {
  if (deps.metrics) deps.metrics.recordTcp(tcpLabels(table, t, reporter, source, deps.metrics.clusterId), event);
}

/** Opens the upstream side: direct, or CONNECT through the endpoint's sidecar. */
function openUpstream(t: TcpTarget, localAddress: string | undefined, onReady: (s: Socket) => void, onFail: (err: Error) => void): Socket {
  const to = t.tunnelTo ?? { host: t.host, port: t.port };
  const s = connect({ host: to.host, port: to.port, localAddress });
  s.once('error', onFail);
  s.once('connect', () => {
    if (!t.tunnelTo) {
      s.off('error', onFail);
      onReady(s);
      return;
    }
    s.write(`CONNECT ${t.host}:${t.port} HTTP/1.1\r\nHost: ${t.host}:${t.port}\r\n\r\n`);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      if (!/^HTTP\/1\.[01] 200/.test(head.toString('latin1'))) {
        s.destroy();
        onFail(new Error(`tunnel refused: ${head.toString('latin1').split('\r\n')[0]}`));
        return;
      }
      s.off('error', onFail);
      const rest = head.subarray(end + 4);
      if (rest.length > 0) s.unshift(rest);
      onReady(s);
    };
    s.on('data', onData);
  });
  return s;
}

function splice(a: Socket, b: Socket, onClose: (sent: number, received: number) => void): void {
  let sent = 0;
  let received = 0;
  a.on('data', (c: Buffer) => (sent += c.length));
  b.on('data', (c: Buffer) => (received += c.length));
  a.pipe(b);
  b.pipe(a);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    a.destroy();
    b.destroy();
    onClose(sent, received);
  };
  a.once('close', close);
  b.once('close', close);
  a.on('error', close);
  b.on('error', close);
}

/** Handles CONNECT on a sidecar's outbound listener. */
export function handleOutboundConnect(table: RouteTable, deps: TcpDeps, req: IncomingMessage, client: Socket, head: Buffer): void {
  const found = lookupServiceHost(table, req.url ?? '', 443);
  let target: TcpTarget | undefined;
  if (found.virtualHost) {
    target = chooseTarget(table, found.virtualHost.tcpRoutes, found.port, deps, table.self, table.self.ip ?? '');
  } else if (!found.service && isLoopbackAddress(found.host)) {
    target = { host: found.host === 'localhost' ? '127.0.0.1' : found.host, port: found.port };
  }
  if (!target) {
    client.end('HTTP/1.1 503 Service Unavailable\r\nx-meshlet-response-flags: UH\r\ncontent-length: 0\r\n\r\n');
    return;
  }
  const t = target;
  const dest = t.endpoint ? { ip: t.endpoint.address, port: t.endpoint.port, meshed: t.endpoint.meshed } : { ip: t.host, port: t.port, meshed: false };
  if (deps.networkPolicy && !deps.networkPolicy.egress(dest.ip, dest.port, dest.meshed).allowed) {
    client.end('HTTP/1.1 503 Service Unavailable\r\nx-meshlet-response-flags: UF\r\ncontent-length: 0\r\n\r\n');
    return;
  }
  client.on('error', () => client.destroy());
  openUpstream(t, deps.localAddress, (upstream) => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    recordTcp(deps, table, t, 'source', table.self, { opened: true });
    splice(client, upstream, (sent, received) => {
      recordTcp(deps, table, t, 'source', table.self, { closed: true, sent, received });
      deps.accessLog?.(`[${new Date().toISOString()}] "- - -" 0 - - - "-" ${sent} ${received} - - "-" "-" "-" "-" "${t.host}:${t.port}" ${t.cluster ?? 'PassthroughCluster'}`);
    });
  }, () => {
    client.end('HTTP/1.1 503 Service Unavailable\r\nx-meshlet-response-flags: UF\r\ncontent-length: 0\r\n\r\n');
  });
}

/** Handles CONNECT on a sidecar's inbound listener: only to this pod's own address. */
export function handleInboundConnect(table: RouteTable, deps: TcpDeps, req: IncomingMessage, client: Socket): void {
  const m = (req.url ?? '').match(/^(.*):(\d+)$/);
  const self = table.self.ip ?? table.proxy.ip;
  if (!m || !self || (m[1] !== self && !isLoopbackAddress(m[1]!))) {
    client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
    return;
  }
  const t: TcpTarget = { host: self, port: Number(m[2]) };
  const sourceIp = client.remoteAddress?.replace(/^::ffff:/, '') ?? '';
  if (deps.networkPolicy && !deps.networkPolicy.ingress(sourceIp, t.port).allowed) {
    client.resetAndDestroy();
    return;
  }
  const source = table.workloadsByIp.get(sourceIp);
  client.on('error', () => client.destroy());
  openUpstream(t, deps.localAddress, (upstream) => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    recordTcp(deps, table, t, 'destination', source, { opened: true });
    splice(client, upstream, (sent, received) => recordTcp(deps, table, t, 'destination', source, { closed: true, sent, received }));
  }, () => client.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n'));
}

/** A gateway TCP server port: raw connections routed by the bound VirtualServices' tcp rules. */
export function createGatewayTcpListener(serverPort: number, table: () => RouteTable, deps: TcpDeps): Server {
  return createServer((client) => {
    const t0 = table();
    const target = chooseTarget(t0, t0.gatewayTcp.get(serverPort) ?? [], serverPort, deps, t0.self, client.remoteAddress ?? '');
    if (!target) {
      client.destroy();
      return;
    }
    client.pause();
    client.on('error', () => client.destroy());
    openUpstream(target, undefined, (upstream) => {
      recordTcp(deps, t0, target, 'source', t0.self, { opened: true });
      splice(client, upstream, (sent, received) => recordTcp(deps, t0, target, 'source', t0.self, { closed: true, sent, received }));
      client.resume();
    }, () => client.destroy());
  });
}
