// Runs an HTTP handler on the pod IP and shuts down cleanly on SIGTERM/SIGINT,
// the way a container's main process should.
import http from 'node:http';
import { podIp } from './env.mjs';

/**
 * @param {string} name program name used in log lines
 * @param {number} port
 * @param {(req: http.IncomingMessage, res: http.ServerResponse) => unknown} handler may be async
 * @returns {Promise<http.Server>}
 */
export function serveHttp(name, port, handler) {
  const host = podIp();
  const server = http.createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err) => {
        console.error(`${name}: ${req.method} ${req.url}: ${err?.stack ?? err}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
  });
  server.keepAliveTimeout = 65_000;
  exitOnSignal(name, () => server.close());
  return new Promise((resolve, reject) => {
    server.once('error', (err) => {
      console.error(`${name}: cannot listen on ${host}:${port}: ${err.message}`);
      reject(err);
      process.exit(1);
    });
    server.listen(port, host, () => {
      console.log(`${name}: listening on http://${host}:${port}`);
      resolve(server);
    });
  });
}

/** Stops on SIGTERM/SIGINT after running close (bounded, so a stuck socket cannot hold the pod). */
export function exitOnSignal(name, close) {
  const stop = (signal) => {
    console.log(`${name}: ${signal}, shutting down`);
    close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

export function sendJson(res, status, value, headers = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendText(res, status, text, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendHtml(res, status, html, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), ...headers });
  res.end(html);
}

/** Reads a request body, capped so a client cannot make a pod buffer without bound. */
export function readBody(req, limit = 1 << 20) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
