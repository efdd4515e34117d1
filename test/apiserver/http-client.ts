// A small HTTPS client for API server tests: trusts the server's own
// certificate, sends the bearer token, and reads watch streams line by line.

import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { ApiServer } from '../../control/apiserver/index.ts';
import { lineReader } from '../../control/client/index.ts';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: Record<string, unknown>;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  accept?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

function open(server: ApiServer, method: string, path: string, token: string, options: RequestOptions): Promise<IncomingMessage> {
  const url = new URL(path, server.url);
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ca: server.caData,
        headers: {
          ...(options.token === null ? {} : { authorization: `Bearer ${options.token ?? token}` }),
          ...(body !== undefined ? { 'content-type': options.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          ...(options.accept ? { accept: options.accept } : {}),
          ...options.headers,
        },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function clientFor(server: ApiServer, token: string) {
  return {
    async call(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
      const res = await open(server, method, path, token, options);
      const chunks: Buffer[] = [];
      for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // not JSON (logs); callers read .text
      }
      return { status: res.statusCode ?? 0, headers: res.headers, text, json };
    },
    /** Opens a watch; `next` resolves with the next event matching `pred` or rejects at the deadline. */
    async watch(path: string, options: RequestOptions = {}) {
      const res = await open(server, 'GET', path, token, options);
      const events: Record<string, unknown>[] = [];
      let ended = false;
      let wake: (() => void) | undefined;
      res.setEncoding('utf8');
      const readLines = lineReader((raw) => {
        const line = raw.trim();
        if (line) events.push(JSON.parse(line) as Record<string, unknown>);
      });
      res.on('data', (chunk: string) => {
        readLines(chunk);
        wake?.();
      });
      res.on('end', () => {
        ended = true;
        wake?.();
      });
      let cursor = 0;
      return {
        status: res.statusCode,
        get ended() {
          return ended;
        },
        async next(pred: (e: Record<string, unknown>) => boolean = () => true, timeoutMs = 5000): Promise<Record<string, unknown>> {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            while (cursor < events.length) {
              const e = events[cursor++]!;
              if (pred(e)) return e;
            }
            if (ended) throw new Error('watch ended before a matching event');
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`no matching watch event within ${timeoutMs} ms (saw ${events.length})`);
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, left);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = undefined;
          }
        },
        close(): void {
          res.destroy();
        },
      };
    },
  };
}
