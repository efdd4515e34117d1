// The userspace service proxy (kube-proxy's original mode): for each TCP
// Service port a listener on ClusterIP:port, on nodeAddress:nodePort for
// every node address (127.0.0.1 and each Node's loopback InternalIP) of
// NodePort/LoadBalancer Services, and on ingressIP:port for each loopback
// status.loadBalancer.ingress IP (the part a servicelb/MetalLB speaker plays),
// that pipes each connection to a ready endpoint. Listeners follow the catalog (opened when a Service appears,
// closed — with their connections — when it goes); the endpoint is chosen
// per connection from the catalog's current state, so endpoint changes apply
// to the next connection at once.
//
// One service proxy per host: two in one process would fight over the same
// ClusterIP:port.

import net from 'node:net';
import type { Clock, Endpoints, Node, Service, ServicePort } from '../../control/api/index.ts';
import { systemClock } from '../../control/api/index.ts';
import type { ClusterCatalog } from '../catalog.ts';
import { parseIpv4 } from '../ipam/cidr.ts';
import { BackendPicker, affinityTimeout, readyBackends } from './backends.ts';
import type { Backend } from './backends.ts';

const RETRY_BIND_MS = 30_000;

export interface ServiceProxyOptions {
  catalog: ClusterCatalog;
  /** Where NodePorts listen besides each Node's InternalIP; default 127.0.0.1. */
  nodePortHost?: string;
  clock?: Clock;
  /** Connection attempts per client connection before giving up; default 3. */
  maxConnectAttempts?: number;
  /**
   * Reports a listener that could not be bound (e.g. EADDRINUSE); the
   * address is retried on catalog changes at most every 30 s.
   */
  onError?: (err: Error, listener: string) => void;
  /**
   * Whether a connection from `clientIp` may reach `backend` (NetworkPolicy,
   * in the process runtime where no packet filter exists). A refused one is
   * reset at once, where a dropped SYN would have timed out.
   */
  admit?: (clientIp: string, backend: Backend) => boolean;
}

export interface ServiceProxy {
  /** `host:port` of every open listener, for tests and status pages. */
  listeners(): string[];
  close(): Promise<void>;
}

interface PortRef {
  namespace: string;
  name: string;
  portName: string;
  protocol: string;
}

interface Listener {
  address: string;
  server: net.Server;
  ref: PortRef;
  connections: Set<net.Socket>;
  picker: BackendPicker;
  ready: boolean;
}

export async function startServiceProxy(options: ServiceProxyOptions): Promise<ServiceProxy> {
  const { catalog } = options;
  const clock = options.clock ?? systemClock;
  const nodePortHost = options.nodePortHost ?? '127.0.0.1';
  const maxAttempts = options.maxConnectAttempts ?? 3;
  const onError = options.onError ?? (() => {});
  const listeners = new Map<string, Listener>();
  /** Addresses that could not be bound, and when: retried after RETRY_BIND_MS, not on every catalog change. */
  const failedAt = new Map<string, number>();
  let closed = false;

  let indexRevision = -1;
  let services = new Map<string, Service>();
  let endpoints = new Map<string, Endpoints>();
  const refresh = (): void => {
    if (indexRevision === catalog.revision()) return;
    indexRevision = catalog.revision();
    services = new Map(catalog.services().map((s) => [`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`, s]));
    endpoints = new Map(catalog.endpoints().map((e) => [`${e.metadata.namespace ?? 'default'}/${e.metadata.name}`, e]));
  };

  const lookup = (ref: PortRef): { service: Service; port: ServicePort } | undefined => {
    refresh();
    const service = services.get(`${ref.namespace}/${ref.name}`);
    const port = service?.spec?.ports?.find((p) => (p.name ?? '') === ref.portName && (p.protocol ?? 'TCP') === ref.protocol);
    return service && port ? { service, port } : undefined;
  };

  const connect = (listener: Listener, client: net.Socket): void => {
    const clientIp = client.remoteAddress ?? '';
    let attempts = 0;
    const tryNext = (): void => {
      const found = lookup(listener.ref);
      const backends = found ? readyBackends(found.service, found.port, endpoints.get(`${listener.ref.namespace}/${listener.ref.name}`)) : [];
      const backend = found ? listener.picker.pick(backends, clientIp, affinityTimeout(found.service)) : undefined;
      if (!backend || attempts++ >= maxAttempts || client.destroyed) {
        client.destroy();
        return;
      }
      if (options.admit && !options.admit(clientIp.replace(/^::ffff:/, ''), backend)) {
        client.resetAndDestroy();
        return;
      }
      const upstream = net.connect({ host: backend.ip, port: backend.port });
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        upstream.setNoDelay(true);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.on('error', () => {
        if (connected) {
          client.destroy();
          return;
        }
        listener.picker.forget(clientIp);
        tryNext();
      });
      upstream.on('close', () => {
        if (connected) client.destroy();
      });
      current = upstream;
    };
    let current: net.Socket | undefined;
    client.on('close', () => current?.destroy());
    client.pause();
    client.setNoDelay(true);
    client.on('error', () => {});
    tryNext();
  };

  const open = (address: string, host: string, port: number, ref: PortRef): void => {
    const listener: Listener = { address, server: net.createServer({ pauseOnConnect: true }), ref, connections: new Set(), picker: new BackendPicker(clock), ready: false };
    listeners.set(address, listener);
    listener.server.on('connection', (socket) => {
      listener.connections.add(socket);
      socket.on('close', () => listener.connections.delete(socket));
      connect(listener, socket);
    });
    listener.server.on('error', (err) => {
      onError(new Error(`overlay/serviceproxy: cannot listen on ${address} for service ${ref.namespace}/${ref.name}: ${err.message}`, { cause: err }), address);
      if (listeners.get(address) === listener) listeners.delete(address);
      failedAt.set(address, clock.now());
    });
    listener.server.listen({ host, port, exclusive: true }, () => {
      listener.ready = true;
    });
  };

  const shut = (listener: Listener): Promise<void> => {
    listeners.delete(listener.address);
    for (const socket of listener.connections) socket.destroy();
    return new Promise((resolve) => listener.server.close(() => resolve()));
  };

  const reconcile = (): void => {
    if (closed) return;
    const desired = new Map<string, { host: string; port: number; ref: PortRef }>();
    const nodeHosts = [...new Set([nodePortHost, ...catalog.nodes().flatMap(loopbackInternalIps)])];
    for (const service of catalog.services()) {
      const spec = service.spec ?? {};
      if (spec.type === 'ExternalName') continue;
      const clusterIp = spec.clusterIP && parseIpv4(spec.clusterIP) !== undefined ? spec.clusterIP : undefined;
      for (const port of spec.ports ?? []) {
        const protocol = port.protocol ?? 'TCP';
        if (protocol !== 'TCP') continue;
        const ref = { namespace: service.metadata.namespace ?? 'default', name: service.metadata.name, portName: port.name ?? '', protocol };
        if (clusterIp) desired.set(`${clusterIp}:${port.port}`, { host: clusterIp, port: port.port, ref });
        if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && port.nodePort) {
          for (const host of nodeHosts) desired.set(`${host}:${port.nodePort}`, { host, port: port.nodePort, ref });
        }
        if (spec.type === 'LoadBalancer') {
          for (const host of loadBalancerIps(service)) desired.set(`${host}:${port.port}`, { host, port: port.port, ref });
        }
      }
    }
    for (const [address, listener] of listeners) {
      const want = desired.get(address);
      if (!want) void shut(listener);
      else listener.ref = want.ref;
    }
    for (const address of failedAt.keys()) if (!desired.has(address)) failedAt.delete(address);
    for (const [address, want] of desired) {
      if (listeners.has(address)) continue;
      const failed = failedAt.get(address);
      if (failed !== undefined && clock.now() - failed < RETRY_BIND_MS) continue;
      open(address, want.host, want.port, want.ref);
    }
  };

  let scheduled = false;
  const unsubscribe = catalog.onChange(() => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      reconcile();
    });
  });
  reconcile();
  await waitForListening([...listeners.values()]);

  return {
    listeners: () => [...listeners.values()].filter((l) => l.ready).map((l) => l.address),
    async close() {
      closed = true;
      unsubscribe();
      await Promise.all([...listeners.values()].map(shut));
    },
  };
}

/** Only loopback addresses: the proxy never binds anything a remote host could reach. */
function isLoopback(ip: string | undefined): ip is string {
  const value = ip === undefined ? undefined : parseIpv4(ip);
  return value !== undefined && value >>> 24 === 127;
}

function loopbackInternalIps(node: Node): string[] {
  return (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address).filter(isLoopback);
}

function loadBalancerIps(service: Service): string[] {
  return (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(isLoopback);
}

function waitForListening(listeners: Listener[]): Promise<void> {
  return Promise.all(
    listeners.map(
      (l) =>
        new Promise<void>((resolve) => {
          if (l.server.listening) return resolve();
          l.server.once('listening', () => resolve());
          l.server.once('error', () => resolve());
        }),
    ),
  ).then(() => undefined);
}
