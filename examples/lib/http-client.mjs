// Outbound HTTP for sample programs. With HTTP_PROXY set (the pod's sidecar outbound
// listener) a call to http://details:9080/x becomes an absolute-URI proxy request to the
// sidecar, which resolves the service and applies the mesh's routing; without it the
// program connects directly, as it would with no mesh.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 60_000 });

export class UpstreamError extends Error {
  constructor(code, message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'UpstreamError';
    this.code = code;
    /** True when a reused keep-alive connection was reset before any response (safe to retry). */
    this.staleSocket = false;
  }
}

function proxyFromEnv(env) {
  const raw = env.HTTP_PROXY || env.http_proxy;
  if (!raw) return undefined;
  const url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  return { host: url.hostname, port: Number(url.port || 80) };
}

function bypassesProxy(host, env) {
  const list = (env.NO_PROXY || env.no_proxy || '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const target = host.toLowerCase();
  return list.some((entry) => {
    if (entry === '*') return true;
    const bare = entry.replace(/^\*?\./, '');
    return target === bare || target.endsWith(`.${bare}`);
  });
}

/**
 * Sends one HTTP request and buffers the response.
 * @param {string} target absolute http:// URL of the service, e.g. http://details:9080/details/0
 * @param {{ method?: string, headers?: Record<string, string|string[]>, body?: string|Buffer,
 *           timeoutMs?: number, env?: NodeJS.ProcessEnv }} [options]
 *   timeoutMs bounds the whole exchange (connect to last byte); default 10 s.
 * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, body: string }>}
 *   rejects with UpstreamError code ETIMEDOUT | ECONNECT.
 */
export async function httpRequest(target, options = {}) {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  try {
    return await attempt(target, options, deadline);
  } catch (err) {
    // A kept-alive connection the peer closed while idle fails on reuse; Node's documented
    // remedy is to retry once on a fresh connection. Anything else is the caller's to handle.
    if (!(err instanceof UpstreamError) || !err.staleSocket || Date.now() >= deadline) throw err;
    return attempt(target, options, deadline);
  }
}

function attempt(target, options, deadline) {
  const { method = 'GET', headers = {}, body, env = process.env } = options;
  const timeoutMs = Math.max(1, deadline - Date.now());
  const url = new URL(target);
  const proxy = bypassesProxy(url.hostname, env) ? undefined : proxyFromEnv(env);
  const port = Number(url.port || 80);
  const requestOptions = {
    agent,
    method,
    host: proxy ? proxy.host : url.hostname,
    port: proxy ? proxy.port : port,
    path: proxy ? url.href : `${url.pathname}${url.search}`,
    headers: { ...headers, host: url.host },
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const fail = (err) => settle(() => {
      req.destroy();
      reject(err);
    });
    const connectError = (err) => {
      const error = new UpstreamError('ECONNECT', `examples/http: ${method} ${target}: ${err.message}`, err);
      error.staleSocket = req.reusedSocket && !gotResponse && err.code === 'ECONNRESET';
      return error;
    };
    let gotResponse = false;
    const req = http.request(requestOptions, (res) => {
      gotResponse = true;
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => settle(() => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      }));
      res.on('error', (err) => fail(connectError(err)));
      res.on('aborted', () => fail(connectError(new Error('response aborted'))));
    });
    const timer = setTimeout(() => {
      fail(new UpstreamError('ETIMEDOUT', `examples/http: ${method} ${target}: no response within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => fail(connectError(err)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Fetches and parses JSON; `json` is undefined when the body is not JSON. */
export async function getJson(target, options = {}) {
  const res = await httpRequest(target, options);
  let json;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { ...res, json };
}
