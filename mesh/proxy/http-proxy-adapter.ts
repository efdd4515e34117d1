// The one file that touches http-proxy. It sends one upstream attempt and
// resolves with the response head (body still streaming) or rejects with an
// UpstreamError; it never writes to the downstream response, so retries,
// mirrors and local replies stay with the layers.

import type { ClientRequest, ServerResponse } from 'node:http';
import type { Stream } from 'node:stream';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent } from 'node:http';
import httpProxy from 'http-proxy';
import { UpstreamError } from '../layers/errors.ts';

export interface UpstreamAttempt {
  method: string;
  /** Origin-form path with query. */
  path: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  host: string;
  port: number;
  /** Local address to send from (the pod IP), so the receiver can identify the source. */
  localAddress?: string;
  signal?: AbortSignal;
}

export interface UpstreamResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

export interface Upstream {
  send(attempt: UpstreamAttempt): Promise<UpstreamResult>;
  close(): void;
}

interface PendingAttempt {
  resolve(r: UpstreamResult): void;
  reject(err: unknown): void;
}

/** The request-shaped object http-proxy reads: method, url, headers, a socket and a pipe-able body. */
class AttemptRequest extends EventEmitter {
  readonly method: string;
  readonly url: string;
  readonly headers: OutgoingHttpHeaders;
  readonly socket = { destroyed: false, remoteAddress: '' };
  readonly connection = this.socket;
  pending: PendingAttempt | undefined;
  constructor(a: UpstreamAttempt) {
    super();
    this.method = a.method;
    this.url = a.path;
    this.headers = a.headers;
  }
}

const fakeResponse = { headersSent: false, finished: true, on: () => undefined } as unknown as ServerResponse;

function classify(err: NodeJS.ErrnoException, aborted: AbortSignal | undefined): UpstreamError {
  if (aborted?.aborted) {
    const reason = aborted.reason as { failure?: string } | undefined;
    return new UpstreamError(reason?.failure === 'timeout' ? 'timeout' : 'cancelled', 'mesh/proxy: upstream attempt aborted', { cause: err });
  }
  switch (err.code) {
    case 'ECONNREFUSED':
      return new UpstreamError('connect-failure', `mesh/proxy: connection refused (${err.message})`, { cause: err });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
      return new UpstreamError('connect-failure', `mesh/proxy: connect failure (${err.message})`, { cause: err });
    default:
      return new UpstreamError('reset', `mesh/proxy: upstream reset (${err.message})`, { cause: err });
  }
}

export function createUpstream(options: { maxSockets?: number } = {}): Upstream {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? Infinity, maxFreeSockets: 64, scheduling: 'lifo' });
  const proxy = httpProxy.createProxyServer({ agent, selfHandleResponse: true, xfwd: false, ws: false });
  proxy.on('proxyRes', (proxyRes: IncomingMessage, req: IncomingMessage) => {
    const attempt = req as unknown as AttemptRequest;
    const pending = attempt.pending;
    attempt.pending = undefined;
    pending?.resolve({ status: proxyRes.statusCode ?? 502, headers: proxyRes.headers, body: proxyRes });
  });
  proxy.on('error', (err: Error, req: IncomingMessage) => {
    const attempt = req as unknown as AttemptRequest;
    const pending = attempt.pending;
    attempt.pending = undefined;
    pending?.reject(err);
  });
  return {
    send(a: UpstreamAttempt): Promise<UpstreamResult> {
      return new Promise<UpstreamResult>((resolve, reject) => {
        if (a.signal?.aborted) {
          reject(classify(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }), a.signal));
          return;
        }
        const req = new AttemptRequest(a);
        let proxyReqRef: ClientRequest | undefined;
        const onAbort = (): void => {
          proxyReqRef?.destroy();
          const pending = req.pending;
          req.pending = undefined;
          pending?.reject(classify(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }), a.signal));
        };
        const done = (): void => {
          a.signal?.removeEventListener('abort', onAbort);
        };
        req.pending = {
          resolve: (r) => {
            done();
            resolve(r);
          },
          reject: (err) => {
            done();
            reject(err instanceof UpstreamError ? err : classify(err as NodeJS.ErrnoException, a.signal));
          },
        };
        a.signal?.addEventListener('abort', onAbort, { once: true });
        const onProxyReq = (proxyReq: ClientRequest, r: unknown): void => {
          if (r !== req) return;
          proxy.off('proxyReq', onProxyReq);
          proxyReqRef = proxyReq;
        };
        proxy.on('proxyReq', onProxyReq);
        // http-proxy only calls `.pipe(proxyReq)` on the buffer: end the request with the body in one write.
        const body = { pipe: (dest: NodeJS.WritableStream) => (a.body.length > 0 ? dest.end(a.body) : dest.end(), dest) };
        proxy.web(req as unknown as IncomingMessage, fakeResponse, {
          target: { host: a.host, port: a.port, protocol: 'http:' } as unknown as string,
          buffer: body as unknown as Stream,
          localAddress: a.localAddress,
        } as httpProxy.ServerOptions & { localAddress?: string }, (err: Error) => {
          proxy.off('proxyReq', onProxyReq);
          const pending = req.pending;
          req.pending = undefined;
          pending?.reject(err);
        });
      });
    },
    close(): void {
      proxy.close();
      agent.destroy();
    },
  };
}
