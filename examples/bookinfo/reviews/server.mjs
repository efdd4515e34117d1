// Bookinfo reviews (stands in for examples-bookinfo-reviews-v1/v2/v3) on :9080.
// The image decides the behaviour through its ENV: v1 ENABLE_RATINGS=false; v2 ratings with
// STAR_COLOR=black (ratings timeout 10 s); v3 ratings with STAR_COLOR=red (timeout 2.5 s).
import { envFlag, envPort, podName } from '../../lib/env.mjs';
import { pickForwardHeaders } from '../../lib/forward-headers.mjs';
import { getJson } from '../../lib/http-client.mjs';
import { sendJson, serveHttp } from '../../lib/serve.mjs';

const port = envPort('PORT', 9080);
const ratingsEnabled = envFlag('ENABLE_RATINGS');
const starColor = process.env.STAR_COLOR || 'black';
const servicesDomain = process.env.SERVICES_DOMAIN ? `.${process.env.SERVICES_DOMAIN}` : '';
const ratingsUrl = `http://${process.env.RATINGS_HOSTNAME || 'ratings'}${servicesDomain}:${process.env.RATINGS_SERVICE_PORT || '9080'}/ratings`;
const ratingsTimeoutMs = starColor === 'black' ? 10_000 : 2_500;

const REVIEWS = [
  { reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!' },
  { reviewer: 'Reviewer2', text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.' },
];

async function fetchRatings(productId, headers) {
  try {
    const res = await getJson(`${ratingsUrl}/${productId}`, { headers, timeoutMs: ratingsTimeoutMs });
    if (res.status === 200 && res.json && typeof res.json.ratings === 'object') return res.json.ratings;
    console.error(`reviews: ratings answered ${res.status}`);
  } catch (err) {
    console.error(`reviews: ${err.message}`);
  }
  return undefined;
}

async function productReviews(productId, headers) {
  const ratings = ratingsEnabled ? await fetchRatings(productId, headers) : undefined;
  return {
    id: String(productId),
    podname: podName(),
    clustername: process.env.CLUSTER_NAME ?? 'null',
    reviews: REVIEWS.map(({ reviewer, text }) => {
      if (!ratingsEnabled) return { reviewer, text };
      const stars = ratings?.[reviewer];
      return typeof stars === 'number'
        ? { reviewer, text, rating: { stars, color: starColor } }
        : { reviewer, text, rating: { error: 'Ratings service is currently unavailable' } };
    }),
  };
}

await serveHttp('reviews', port, async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://reviews').pathname;
  if (path === '/health') return sendJson(res, 200, { status: 'Reviews is healthy' });
  const match = /^\/reviews\/(\d+)$/.exec(path);
  if (req.method === 'GET' && match) {
    return sendJson(res, 200, await productReviews(Number(match[1]), pickForwardHeaders(req.headers)));
  }
  return sendJson(res, 404, { error: 'not found' });
});
