// Bookinfo productpage (stands in for examples-bookinfo-productpage-v1) on :9080.
// Calls details and reviews through the pod's sidecar, forwarding trace and user headers.
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envPort } from '../../lib/env.mjs';
import { pickForwardHeaders } from '../../lib/forward-headers.mjs';
import { readBody, sendHtml, sendJson, sendText, serveHttp } from '../../lib/serve.mjs';
import { PRODUCTS, renderIndex, renderProductPage } from './page.mjs';
import { loginCookie, logoutCookie, sessionUser } from './session.mjs';
import { productDetails, productRatings, productReviews, requestResults } from './upstreams.mjs';

const port = envPort('PORT', 9080);
/** The v-flooding image sends this many extra reviews calls per page view (Istio's circuit-breaking demo). */
const floodFactor = Number(process.env.FLOOD_FACTOR || 0);
const staticRoot = fileURLToPath(new URL('./static/', import.meta.url));
const CONTENT_TYPES = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml' };

function forwardHeaders(req) {
  const headers = pickForwardHeaders(req.headers);
  const user = sessionUser(req);
  if (user) headers['end-user'] = user;
  return headers;
}

function redirectBack(req, res, cookie) {
  const referrer = req.headers.referer || 'productpage';
  res.writeHead(302, { location: referrer, 'set-cookie': cookie, 'content-length': 0 });
  res.end();
}

async function login(req, res) {
  const form = new URLSearchParams((await readBody(req, 64 * 1024)).toString('utf8'));
  const user = form.get('username') ?? form.get('user') ?? '';
  redirectBack(req, res, user ? loginCookie(user) : logoutCookie());
}

async function productPage(req, res) {
  const headers = forwardHeaders(req);
  const product = PRODUCTS[0];
  for (let i = 0; i < floodFactor; i++) void productReviews(product.id, headers);
  const details = await productDetails(product.id, headers);
  const reviews = await productReviews(product.id, headers);
  sendHtml(res, 200, renderProductPage({ user: sessionUser(req), product, details, reviews }));
}

async function serveStatic(res, relative) {
  const path = normalize(join(staticRoot, relative));
  if (!path.startsWith(staticRoot)) return sendText(res, 404, 'Not Found');
  try {
    const data = await readFile(path);
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'content-length': data.length });
    res.end(data);
  } catch {
    sendText(res, 404, 'Not Found');
  }
}

function metrics(res) {
  const lines = ['# HELP request_result_total Response codes of requests to other services', '# TYPE request_result_total counter'];
  for (const [key, value] of requestResults) {
    const [app, code] = key.split('\u0000');
    lines.push(`request_result_total{destination_app="${app}",response_code="${code}"} ${value}`);
  }
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end(`${lines.join('\n')}\n`);
}

async function productApi(req, res, path) {
  if (path === '/api/v1/products') return sendJson(res, 200, PRODUCTS);
  const match = /^\/api\/v1\/products\/(\d+)(?:\/(reviews|ratings))?$/.exec(path);
  if (!match) return sendJson(res, 404, { error: 'not found' });
  const id = Number(match[1]);
  const call = match[2] === 'reviews' ? productReviews : match[2] === 'ratings' ? productRatings : productDetails;
  const { status, body } = await call(id, forwardHeaders(req));
  return sendJson(res, status, body);
}

await serveHttp('productpage', port, async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://productpage').pathname;
  if (path === '/' || path === '/index.html') {
    return sendHtml(res, 200, renderIndex([
      ['productpage', `http://productpage:${port}`],
      ['details', 'http://details:9080'],
      ['reviews', 'http://reviews:9080'],
      ['ratings', 'http://ratings:9080'],
    ]));
  }
  if (path === '/health') return sendText(res, 200, 'Product page is healthy');
  if (path === '/productpage') return productPage(req, res);
  if (path === '/login') {
    if (req.method !== 'POST') return sendText(res, 405, 'Method Not Allowed', { allow: 'POST' });
    return login(req, res);
  }
  if (path === '/logout') return redirectBack(req, res, logoutCookie());
  if (path === '/metrics') return metrics(res);
  if (path.startsWith('/static/')) return serveStatic(res, decodeURIComponent(path.slice('/static/'.length)));
  if (path.startsWith('/api/v1/products')) return productApi(req, res, path);
  return sendText(res, 404, 'Not Found');
});
