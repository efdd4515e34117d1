// Bookinfo ratings (stands in for examples-bookinfo-ratings-v1/v2): both reviewers' stars on :9080.
// SERVICE_VERSION selects the real image's misbehaving variants used in Istio's tasks:
// v-faulty (50% 503), v-delayed (50% 7 s delay), v-unavailable (always 503), v-unhealthy
// (healthy for 15 min, then 503 on /health).
import { envPort } from '../../lib/env.mjs';
import { readBody, sendJson, serveHttp } from '../../lib/serve.mjs';

const port = envPort('PORT', 9080);
const version = process.env.SERVICE_VERSION || 'v1';
const startedAt = Date.now();
/** Ratings posted by clients, per product; the real v1 keeps them in memory too. */
const posted = new Map();

function ratingsFor(id) {
  return { id, ratings: posted.get(id) ?? { Reviewer1: 5, Reviewer2: 4 } };
}

function unhealthy() {
  return version === 'v-unhealthy' && Date.now() - startedAt > 15 * 60_000;
}

await serveHttp('ratings', port, async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://ratings').pathname;
  if (path === '/health') {
    return unhealthy()
      ? sendJson(res, 500, { status: 'Ratings is not healthy' })
      : sendJson(res, 200, { status: 'Ratings is healthy' });
  }
  const match = /^\/ratings\/([^/]*)$/.exec(path);
  if (!match) return sendJson(res, 404, { error: 'not found' });
  if (!/^\d+$/.test(match[1])) return sendJson(res, 400, { error: 'please provide numeric product ID' });
  const id = Number(match[1]);
  if (req.method === 'POST') {
    let body;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: 'please provide valid ratings JSON' });
    }
    posted.set(id, body);
    return sendJson(res, 200, { id, ratings: body });
  }
  if (version === 'v-unavailable' || (version === 'v-faulty' && Math.random() < 0.5) || unhealthy()) {
    return sendJson(res, 503, { error: 'Service unavailable' });
  }
  if (version === 'v-delayed' && Math.random() < 0.5) {
    await new Promise((resolve) => setTimeout(resolve, 7000));
  }
  return sendJson(res, 200, ratingsFor(id));
});
