// Small services, pods and clients for mesh tests: real HTTP servers on
// 127.250.x.y addresses (unique to these tests), objects as the store would
// hold them, and a client that talks to a sidecar as HTTP_PROXY clients do.

import { Agent, createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, Labels, Pod, Service } from '../../control/api/index.ts';
import { waitFor as waitUntil } from '../helpers/wait.ts';

let uid = 0;
const created = Date.parse('2026-01-01T00:00:00Z');

/** Fills the identity fields the store would (uid, resourceVersion, creationTimestamp, namespace). */
export function stored<T extends { metadata: Record<string, unknown>; kind: string; apiVersion: string }>(obj: T, namespace = 'default'): KubeObject & T {
  uid += 1;
  const meta = obj.metadata as { namespace?: string; name: string; creationTimestamp?: string };
  return {
    ...obj,
    metadata: {
      namespace,
      ...meta,
      uid: `uid-${uid}`,
      resourceVersion: String(uid),
      creationTimestamp: meta.creationTimestamp ?? new Date(created + uid * 1000).toISOString(),
    },
  } as KubeObject & T;
}

export function pod(name: string, ip: string, labels: Labels, options: { namespace?: string; ports?: number[]; meshed?: boolean; serviceAccount?: string; replicaSet?: string } = {}): Pod {
  return stored({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      labels: { ...labels, ...(options.meshed === false ? { 'sidecar.istio.io/inject': 'false' } : {}) },
      ...(options.replicaSet ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: options.replicaSet, uid: `rs-${name}`, controller: true }] } : {}),
    },
    spec: { containers: [{ name: 'app', ports: (options.ports ?? []).map((p) => ({ containerPort: p })) }], serviceAccountName: options.serviceAccount },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
  }) as Pod;
}

export function service(name: string, selector: Labels, ports: { port: number; targetPort?: number; name?: string }[], options: { namespace?: string; clusterIP?: string } = {}): Service {
  return stored({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: options.namespace ?? 'default' },
    spec: { selector, ports: ports.map((p) => ({ name: p.name ?? `http-${p.port}`, port: p.port, targetPort: p.targetPort ?? p.port })), clusterIP: options.clusterIP },
  }) as Service;
}

/** Parses multi-document YAML into stored-looking objects (documents that are empty are skipped). */
export function fromYaml(text: string, namespace = 'default'): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => !!o && typeof o === 'object' && 'kind' in o)
    .map((o) => stored(o as KubeObject & { metadata: Record<string, unknown> }, namespace));
}

export interface Backend {
  readonly name: string;
  readonly hits: number;
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string; remote: string }[];
  close(): Promise<void>;
}

export type BackendHandler = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void;

/** An HTTP server answering `{"name": ...}` unless a handler is given. */
export async function startBackend(name: string, host: string, port: number, handler?: BackendHandler): Promise<Backend> {
  const requests: Backend['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, remote: req.socket.remoteAddress ?? '' });
      if (handler) handler(req, res, body, requests.length);
      else {
        const out = JSON.stringify({ name, path: req.url });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    name,
    get hits() {
      return requests.length;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface ClientResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

const agents = new Map<string, Agent>();

function agentFor(key: string): Agent {
  let a = agents.get(key);
  if (!a) {
    a = new Agent({ keepAlive: true, maxSockets: 64 });
    agents.set(key, a);
  }
  return a;
}

export function destroyAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/** Sends `method url` through an explicit HTTP proxy (absolute-URI request line). */
export function viaProxy(proxy: { host: string; port: number }, url: string, options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<ClientResponse> {
  return send({ host: proxy.host, port: proxy.port, path: url, ...options });
}

/** Sends a plain origin-form request (e.g. to the ingress gateway). */
export function send(o: { host: string; port: number; path: string; method?: string; headers?: Record<string, string>; body?: string; localAddress?: string }): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: o.host,
        port: o.port,
        path: o.path,
        method: o.method ?? 'GET',
        headers: { ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}), ...o.headers },
        agent: agentFor(`${o.host}:${o.port}:${o.localAddress ?? ''}`),
        localAddress: o.localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Polls `check` until it returns true or the deadline passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  await waitUntil(what, check, { timeoutMs, intervalMs: 5 });
}

/** Counts names in JSON bodies `{"name": ...}`. */
export function tally(bodies: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of bodies) {
    let name = 'error';
    try {
      name = (JSON.parse(b) as { name: string }).name;
    } catch {
      name = `raw:${b.slice(0, 40)}`;
    }
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

/** True when `observed` out of `n` is within 4 standard deviations of `n·p`. */
export function within4Sigma(observed: number, n: number, p: number): boolean {
  const sigma = Math.sqrt(n * p * (1 - p));
  return Math.abs(observed - n * p) <= 4 * sigma + 1e-9;
}

/** Sends `n` requests with at most `concurrency` in flight; returns the responses in completion order. */
export async function many(n: number, concurrency: number, sendOne: (i: number) => Promise<ClientResponse>): Promise<ClientResponse[]> {
  const out: ClientResponse[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      out.push(await sendOne(i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return out;
}

/** Waits until a proxy's table has caught up with the config source. */
export async function converged(proxy: { table(): { revision: number } }, source: { snapshot(): { revision: number } }): Promise<void> {
  await waitFor(() => proxy.table().revision === source.snapshot().revision, 2000, 'route table to recompile');
}
