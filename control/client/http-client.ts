// A Client that talks to a meshlet (or any Kubernetes) API server over HTTP.
// The CLI and out-of-process node agents use it; in-process components use
// the registry directly.

import http from 'node:http';
import https from 'node:https';
import { ApiError } from '../api/index.ts';
import type {
  Client,
  DeleteOptions,
  KubeObject,
  ListOptions,
  ObjectInput,
  ObjectList,
  PatchType,
  ResourceType,
  WatchEvent,
  WatchOptions,
  Watcher,
} from '../api/index.ts';
import { collectionPath, objectPath } from './rest-paths.ts';
import { lineReader } from './line-reader.ts';

export interface HttpClientOptions {
  /** e.g. http://127.0.0.1:6443 */
  server: string;
  token: string;
  /** PEM of the CA (or self-signed certificate) to trust for https servers. */
  caData?: string;
  /** Per-request timeout for non-watch calls. Default 30 s. */
  timeoutMs?: number;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export class HttpClient implements Client {
  private readonly server: URL;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly caData: string | undefined;

  constructor(options: HttpClientOptions) {
    this.server = new URL(options.server);
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.caData = options.caData;
    const secure = this.server.protocol === 'https:';
    this.transport = secure ? https : http;
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 16, ...(options.caData ? { ca: options.caData } : {}) })
      : new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  async get<T extends KubeObject = KubeObject>(type: ResourceType<T>, namespace: string | undefined, name: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', objectPath(type, namespace, name));
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
      throw err;
    }
  }

  list<T extends KubeObject = KubeObject>(type: ResourceType<T>, options: ListOptions = {}): Promise<ObjectList<T>> {
    const query = new URLSearchParams();
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
    if (options.limit) query.set('limit', String(options.limit));
    if (options.continue) query.set('continue', options.continue);
    return this.request<ObjectList<T>>('GET', withQuery(collectionPath(type, options.namespace), query));
  }

  create<T extends KubeObject = KubeObject>(type: ResourceType<T>, object: ObjectInput): Promise<T> {
    const ns = type.namespaced ? (object.metadata.namespace ?? 'default') : undefined;
    return this.request<T>('POST', collectionPath(type, ns), object);
  }

  update<T extends KubeObject = KubeObject>(type: ResourceType<T>, object: ObjectInput): Promise<T> {
    return this.request<T>('PUT', objectPath(type, object.metadata.namespace, object.metadata.name ?? ''), object);
  }

  updateStatus<T extends KubeObject = KubeObject>(type: ResourceType<T>, object: ObjectInput): Promise<T> {
    return this.request<T>('PUT', objectPath(type, object.metadata.namespace, object.metadata.name ?? '', 'status'), object);
  }

  patch<T extends KubeObject = KubeObject>(
    type: ResourceType<T>,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: { fieldManager?: string; force?: boolean; subresource?: 'status' | 'scale' } = {},
  ): Promise<T> {
    const query = new URLSearchParams();
    if (options.fieldManager) query.set('fieldManager', options.fieldManager);
    if (options.force) query.set('force', 'true');
    const path = withQuery(objectPath(type, namespace, name, options.subresource), query);
    return this.request<T>('PATCH', path, patch, PATCH_CONTENT_TYPES[patchType]);
  }

  delete<T extends KubeObject = KubeObject>(
    type: ResourceType<T>,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<T> {
    const body = {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
      ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
      ...(options.resourceVersion ? { preconditions: { resourceVersion: options.resourceVersion } } : {}),
    };
    return this.request<T>('DELETE', objectPath(type, namespace, name), body);
  }

  watch<T extends KubeObject = KubeObject>(
    type: ResourceType<T>,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
    onError?: (err: Error) => void,
  ): Watcher {
    const query = new URLSearchParams({ watch: 'true' });
    if (options.resourceVersion) query.set('resourceVersion', options.resourceVersion);
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
    if (options.allowBookmarks) query.set('allowWatchBookmarks', 'true');
    let closed = false;
    const fail = (err: Error): void => {
      if (closed) return;
      closed = true;
      onError?.(err);
    };
    const req = this.transport.request(this.url(withQuery(collectionPath(type, options.namespace), query)), {
      method: 'GET',
      agent: false,
      ...(this.caData ? { ca: this.caData } : {}),
      headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
    });
    req.on('response', (res) => {
      if ((res.statusCode ?? 500) >= 400) {
        void readBody(res).then((text) => fail(toApiError(res.statusCode ?? 500, text)));
        return;
      }
      res.setEncoding('utf8');
      res.on(
        'data',
        lineReader((raw) => {
          const line = raw.trim();
          if (!line || closed) return;
          let event: WatchEvent<T>;
          try {
            event = JSON.parse(line) as WatchEvent<T>;
          } catch {
            fail(new ApiError('InternalError', `control/client: malformed watch event: ${line.slice(0, 200)}`));
            return;
          }
          if (event.type === 'ERROR') {
            fail(ApiError.fromStatus(event.object as unknown as { message?: string; reason?: string; code?: number }));
            return;
          }
          onEvent(event);
        }),
      );
      res.on('end', () => fail(new ApiError('Timeout', 'control/client: watch stream ended')));
      res.on('error', (err) => fail(err));
    });
    req.on('error', (err) => fail(err));
    req.end();
    return {
      close: () => {
        closed = true;
        req.destroy();
      },
    };
  }

  close(): void {
    this.agent.destroy();
  }

  /** Raw GET returning text (logs, /metrics, discovery). */
  async getText(path: string): Promise<string> {
    const res = await this.send('GET', path, undefined, undefined, 'text/plain, */*');
    if (res.status >= 400) throw toApiError(res.status, res.body);
    return res.body;
  }

  /** Streams a text response (e.g. `logs -f`) chunk by chunk until it ends or the signal aborts. */
  streamText(path: string, onChunk: (text: string) => void, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = this.transport.request(this.url(path), {
        method: 'GET',
        agent: false,
        ...(this.caData ? { ca: this.caData } : {}),
        headers: { authorization: `Bearer ${this.token}`, accept: 'text/plain, */*' },
        ...(signal ? { signal } : {}),
      });
      req.on('response', (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          void readBody(res).then((text) => reject(toApiError(res.statusCode ?? 500, text)), reject);
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => onChunk(chunk));
        res.on('end', () => resolve());
        res.on('error', reject);
      });
      req.on('error', (err) => (signal?.aborted ? resolve() : reject(err)));
      req.end();
    });
  }

  /** GET with a custom Accept header, parsed as JSON (Table output). */
  async getJson<T>(path: string, accept: string): Promise<T> {
    const res = await this.send('GET', path, undefined, undefined, accept);
    if (res.status >= 400) throw toApiError(res.status, res.body);
    return JSON.parse(res.body) as T;
  }

  private url(path: string): URL {
    return new URL(path, this.server);
  }

  private async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const res = await this.send(method, path, body, contentType, 'application/json');
    if (res.status >= 400) throw toApiError(res.status, res.body);
    return JSON.parse(res.body) as T;
  }

  private send(
    method: string,
    path: string,
    body: unknown,
    contentType: string | undefined,
    accept: string,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = this.transport.request(this.url(path), {
        method,
        agent: this.agent,
        timeout: this.timeoutMs,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept,
          ...(payload !== undefined ? { 'content-type': contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      });
      req.on('response', (res) => {
        void readBody(res).then((text) => resolve({ status: res.statusCode ?? 500, body: text }), reject);
      });
      req.on('timeout', () => req.destroy(new ApiError('Timeout', `control/client: ${method} ${path} timed out after ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function withQuery(path: string, query: URLSearchParams): string {
  const q = query.toString();
  return q ? `${path}?${q}` : path;
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function toApiError(status: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { kind?: string; message?: string; reason?: string; code?: number; details?: never };
    if (parsed.kind === 'Status') return ApiError.fromStatus({ ...parsed, code: parsed.code ?? status });
  } catch {
    // not JSON: fall through
  }
  return ApiError.fromStatus({ code: status, message: body.slice(0, 500) || `HTTP ${status}` });
}
