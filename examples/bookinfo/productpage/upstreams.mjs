// productpage's calls to details, reviews and ratings, with the real app's timeouts:
// 3 s each; reviews is tried twice (the "bug introduced explicitly" that Istio's fault
// injection task relies on: 2 × 3 s < a 7 s ratings delay); details and ratings once.
import { getJson } from '../../lib/http-client.mjs';

const servicesDomain = process.env.SERVICES_DOMAIN ? `.${process.env.SERVICES_DOMAIN}` : '';

function serviceUrl(prefix, fallbackHost) {
  const host = process.env[`${prefix}_HOSTNAME`] || fallbackHost;
  const port = process.env[`${prefix}_SERVICE_PORT`] || '9080';
  return `http://${host}${servicesDomain}:${port}`;
}

export const DETAILS_UNAVAILABLE = 'Sorry, product details are currently unavailable for this book.';
export const REVIEWS_UNAVAILABLE = 'Sorry, product reviews are currently unavailable for this book.';
export const RATINGS_UNAVAILABLE = 'Sorry, product ratings are currently unavailable for this book.';

const TIMEOUT_MS = 3000;

/** Outcome counts by destination app and status, exported on /metrics like the real app's counter. */
export const requestResults = new Map();

function count(app, status) {
  const key = `${app}\u0000${status}`;
  requestResults.set(key, (requestResults.get(key) ?? 0) + 1);
}

async function attempt(url, headers) {
  try {
    const res = await getJson(url, { headers, timeoutMs: TIMEOUT_MS });
    return res;
  } catch (err) {
    console.error(`productpage: ${err.message}`);
    return undefined;
  }
}

async function callService(app, url, headers, attempts, errorText) {
  let res;
  for (let i = 0; i < attempts; i++) {
    res = await attempt(url, headers);
    if (res && res.status === 200 && res.json !== undefined) {
      count(app, 200);
      return { status: 200, body: res.json };
    }
  }
  const status = res && res.status ? res.status : 500;
  count(app, status);
  return { status, body: { error: errorText } };
}

export function productDetails(productId, headers) {
  return callService('details', `${serviceUrl('DETAILS', 'details')}/details/${productId}`, headers, 1, DETAILS_UNAVAILABLE);
}

export function productReviews(productId, headers) {
  return callService('reviews', `${serviceUrl('REVIEWS', 'reviews')}/reviews/${productId}`, headers, 2, REVIEWS_UNAVAILABLE);
}

export function productRatings(productId, headers) {
  return callService('ratings', `${serviceUrl('RATINGS', 'ratings')}/ratings/${productId}`, headers, 1, RATINGS_UNAVAILABLE);
}
