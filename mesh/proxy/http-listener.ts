// An HTTP listener that turns each downstream request into a MeshRequest,
// runs it through the request stack and writes the resulting MeshResponse.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Clock } from '../../control/api/index.ts';
import type { Direction, Handler, MeshRequest, MeshResponse } from '../layers/context.ts';
import type { RouteTable } from '../config/table.ts';

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const SMALL_BODY_BYTES = 64 * 1024;

export interface HttpListenerOptions {
  direction: Direction;
  host: string;
  port: number;
  handler: Handler;
  table: () => RouteTable;
  clock: Clock;
  /** Port assumed for requests that name none. */
  defaultPort: number;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const length = req.headers['content-length'];
    if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) {
      req.resume();
      resolve(Buffer.alloc(0));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function targetOf(req: IncomingMessage): { authority: string; path: string; scheme: string } {
  const url = req.url ?? '/';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const u = new URL(url);
    return { authority: u.host, path: `${u.pathname}${u.search}` || '/', scheme: u.protocol.replace(':', '') };
  }
  return { authority: req.headers.host ?? '', path: url, scheme: 'http' };
}

export function writeMeshResponse(res: ServerResponse, out: MeshResponse, onDone: (bytes: number, err?: Error) => void): void {
  let bytes = 0;
  let finished = false;
  const finish = (err?: Error): void => {
    if (finished) return;
    finished = true;
    onDone(bytes, err);
  };
  if (out.reset) {
    res.socket?.resetAndDestroy();
    finish(new Error('connection reset by network policy'));
    return;
  }
  try {
    res.writeHead(out.status, out.headers);
  } catch (err) {
    res.writeHead(502);
    res.end();
    finish(err as Error);
    return;
  }
  if (!out.body) {
    res.end(() => finish());
    return;
  }
  if (Buffer.isBuffer(out.body)) {
    bytes = out.body.length;
    res.end(out.body, () => finish());
    return;
  }
  const body = out.body;
  const length = Number(out.headers['content-length']);
  if (Number.isInteger(length) && length <= SMALL_BODY_BYTES) {
    // Small bodies with a known length go out with the head in one write.
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      chunks.push(chunk);
    });
    body.once('end', () => res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), () => finish()));
    endOnFailure(body, res, finish);
    return;
  }
  body.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (!res.write(chunk)) {
      body.pause();
      res.once('drain', () => body.resume());
    }
  });
  body.once('end', () => res.end(() => finish()));
  endOnFailure(body, res, finish);
}

/** An upstream body error or a downstream close ends both sides and reports the failure once. */
function endOnFailure(body: NodeJS.ReadableStream & { destroy(): void }, res: ServerResponse, finish: (err?: Error) => void): void {
  body.once('error', (err: Error) => {
    res.destroy(err);
    finish(err);
  });
  res.once('close', () => {
    if (!res.writableFinished) {
      body.destroy();
      finish(new Error('downstream closed'));
    }
  });
}

export function createHttpListener(options: HttpListenerOptions): Server {
  const server = createServer({ keepAlive: true }, (req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 60_000;
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startMs = options.clock.now();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      if (!res.headersSent) res.writeHead(413).end();
      return;
    }
    const { authority, path, scheme } = targetOf(req);
    const headers: MeshRequest['headers'] = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const port = Number(authority.match(/:(\d+)$/)?.[1] ?? options.defaultPort);
    const meshReq: MeshRequest = {
      direction: options.direction,
      table: options.table(),
      method: req.method ?? 'GET',
      path,
      originalPath: path,
      scheme,
      authority,
      originalAuthority: authority,
      port,
      headers,
      body,
      remoteAddress: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '',
      startMs,
      attempts: 0,
      flags: new Set(),
      notes: [],
    };
    let out: MeshResponse;
    try {
      out = await options.handler(meshReq);
    } catch (err) {
      out = { status: 500, headers: { 'content-type': 'text/plain' }, body: Buffer.from(`mesh/proxy: ${(err as Error).message}`), local: true };
    }
    writeMeshResponse(res, out, (bytes, err) => {
      for (const hook of out.onFinished ?? []) {
        try {
          hook(bytes, err);
        } catch {
          // telemetry hooks must not take the proxy down
        }
      }
    });
  }
  return server;
}

export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
