// httpbin (stands in for mccutchen/go-httpbin and kong/httpbin): echoes requests as JSON.
// HTTPBIN_FLAVOR=go (default, go-httpbin v2: header and arg values are arrays) or python
// (httpbin.org / kong/httpbin: single values are strings). PORT defaults to go-httpbin's 8080.
import { randomBytes, randomUUID } from 'node:crypto';
import { envFlag, envPort, podName } from '../lib/env.mjs';
import { readBody, sendJson, sendText, serveHttp } from '../lib/serve.mjs';

const port = envPort('PORT', 8080);
const flavor = process.env.HTTPBIN_FLAVOR === 'python' ? 'python' : 'go';
const MAX_DELAY_S = 10;

/** go-httpbin reports every value as a list; python httpbin collapses single values. */
function shape(multimap) {
  if (flavor === 'go') return multimap;
  const out = {};
  for (const [k, values] of Object.entries(multimap)) out[k] = values.length === 1 ? values[0] : values.join(',');
  return out;
}

function canonicalName(name) {
  return name.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1).toLowerCase()).join('-');
}

function headersOf(req) {
  const headers = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = canonicalName(req.rawHeaders[i]);
    (headers[name] ??= []).push(req.rawHeaders[i + 1]);
  }
  return shape(headers);
}

function argsOf(url) {
  const args = {};
  for (const [k, v] of url.searchParams) (args[k] ??= []).push(v);
  return shape(args);
}

function originOf(req) {
  const forwarded = req.headers['x-forwarded-for'];
  if (typeof forwarded === 'string' && forwarded) return forwarded.split(',')[0].trim();
  return req.socket.remoteAddress ?? '';
}

function fullUrl(req, url) {
  return `http://${req.headers.host ?? `${req.socket.localAddress}:${port}`}${url.pathname}${url.search}`;
}

function echo(req, url) {
  return { args: argsOf(url), headers: headersOf(req), method: req.method, origin: originOf(req), url: fullUrl(req, url) };
}

async function echoWithBody(req, url) {
  const raw = (await readBody(req)).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  let json = null;
  let form = {};
  if (type.includes('application/json')) {
    try { json = JSON.parse(raw); } catch { json = null; }
  } else if (type.includes('application/x-www-form-urlencoded')) {
    const fields = {};
    for (const [k, v] of new URLSearchParams(raw)) (fields[k] ??= []).push(v);
    form = shape(fields);
  }
  return { ...echo(req, url), data: raw, files: {}, form, json };
}

/** `/status/200,500:3` picks a code by weight, as httpbin does. */
function pickStatus(spec) {
  const choices = spec.split(',').map((part) => {
    const [code, weight] = part.split(':');
    return { code: Number(code), weight: weight === undefined ? 1 : Number(weight) };
  });
  if (choices.some((c) => !Number.isInteger(c.code) || c.code < 100 || c.code > 599 || !(c.weight >= 0))) return undefined;
  const total = choices.reduce((sum, c) => sum + c.weight, 0);
  let roll = Math.random() * total;
  for (const c of choices) {
    roll -= c.weight;
    if (roll < 0) return c.code;
  }
  return choices[choices.length - 1].code;
}

function status(res, code) {
  if (code === 418) return sendText(res, 418, 'I\'m a teapot!', { 'x-more-info': 'http://tools.ietf.org/html/rfc2324' });
  if (code >= 300 && code < 400 && code !== 304) {
    res.writeHead(code, { location: '/redirect/1', 'content-length': 0 });
    return res.end();
  }
  res.writeHead(code, { 'content-length': 0 });
  return res.end();
}

function wait(ms, req) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    req.once('close', () => { clearTimeout(timer); resolve(); });
  });
}

const METHOD_ROUTES = { '/get': 'GET', '/post': 'POST', '/put': 'PUT', '/patch': 'PATCH', '/delete': 'DELETE' };

await serveHttp('httpbin', port, async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://httpbin');
  const path = url.pathname;
  const method = METHOD_ROUTES[path];
  if (method) {
    if (req.method !== method && !(method === 'GET' && req.method === 'HEAD')) return sendText(res, 405, 'Method Not Allowed');
    return sendJson(res, 200, method === 'GET' ? echo(req, url) : await echoWithBody(req, url));
  }
  if (path === '/anything' || path.startsWith('/anything/')) return sendJson(res, 200, await echoWithBody(req, url));
  if (path === '/headers') return sendJson(res, 200, { headers: headersOf(req) });
  if (path === '/ip') return sendJson(res, 200, { origin: originOf(req) });
  if (path === '/user-agent') return sendJson(res, 200, { 'user-agent': req.headers['user-agent'] ?? '' });
  if (path === '/uuid') return sendJson(res, 200, { uuid: randomUUID() });
  if (path === '/hostname') return sendJson(res, 200, { hostname: envFlag('USE_REAL_HOSTNAME') ? podName() : 'go-httpbin' });
  if (path === '/response-headers') {
    const extra = {};
    for (const [k, v] of url.searchParams) (extra[k] ??= []).push(v);
    const body = shape({ 'Content-Type': ['application/json; charset=utf-8'], ...extra });
    for (const [k, values] of Object.entries(extra)) res.setHeader(k, values);
    return sendJson(res, 200, body);
  }
  let m = /^\/status\/([\d.,:]+)$/.exec(path);
  if (m) {
    const code = pickStatus(m[1]);
    return code === undefined ? sendText(res, 400, 'Invalid status') : status(res, code);
  }
  m = /^\/delay\/([\d.]+)$/.exec(path);
  if (m) {
    const seconds = Number(m[1]);
    if (!(seconds >= 0) || seconds > MAX_DELAY_S) return sendText(res, 400, `delay must be between 0 and ${MAX_DELAY_S}s`);
    await wait(seconds * 1000, req);
    return sendJson(res, 200, echo(req, url));
  }
  m = /^\/bytes\/(\d+)$/.exec(path);
  if (m) {
    const data = randomBytes(Math.min(Number(m[1]), 100 * 1024));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
    return res.end(data);
  }
  m = /^\/base64\/([A-Za-z0-9_=+/-]+)$/.exec(path);
  if (m) return sendText(res, 200, Buffer.from(m[1], 'base64').toString('utf8'));
  if (path === '/' ) return sendText(res, 200, 'httpbin (meshlet stand-in): /get /post /anything /headers /ip /status/{code} /delay/{n} /uuid /response-headers\n');
  return sendText(res, 404, 'Not Found');
});
