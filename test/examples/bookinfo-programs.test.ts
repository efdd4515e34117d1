// Bookinfo's four programs as real processes on 127.252.1.0/24, wired through small
// forward proxies standing in for sidecars: what productpage renders, which headers it
// forwards, and how each service degrades when an upstream fails or is slow.
import t from 'tap';
import { startForwardProxy, type ForwardProxy } from './forward-proxy.ts';
import { startProgram, type RunningProgram } from './program-process.ts';

const NET = '127.252.1';
const IMAGE_ENV = {
  reviewsV1: { SERVICE_VERSION: 'v1', ENABLE_RATINGS: 'false' },
  reviewsV2: { SERVICE_VERSION: 'v2', ENABLE_RATINGS: 'true', STAR_COLOR: 'black' },
  reviewsV3: { SERVICE_VERSION: 'v3', ENABLE_RATINGS: 'true', STAR_COLOR: 'red' },
};

const programs: RunningProgram[] = [];
const proxies: ForwardProxy[] = [];

async function program(name: string, ip: string, env: Record<string, string> = {}): Promise<RunningProgram> {
  const running = await startProgram({ program: `examples/bookinfo/${name}/server.mjs`, podIp: ip, env });
  programs.push(running);
  return running;
}

async function proxy(ip: string, routes: Record<string, Parameters<ForwardProxy['routes']['set']>[1]>): Promise<ForwardProxy> {
  const started = await startForwardProxy(ip);
  for (const [host, target] of Object.entries(routes)) started.routes.set(host, target);
  proxies.push(started);
  return started;
}

t.teardown(async () => {
  await Promise.all(programs.map((p) => p.stop()));
  await Promise.all(proxies.map((p) => p.close()));
});

const upstream = (last: number) => ({ address: `${NET}.${last}`, port: 9080 });

// Sidecar stand-ins: healthy mesh, broken mesh (details 503, reviews never answers), hung ratings.
const [healthyMesh, ratingsMesh, brokenMesh, hungRatingsMesh, failingRatingsMesh] = await Promise.all([
  proxy(`${NET}.20`, { 'details:9080': upstream(2), 'reviews:9080': upstream(6) }),
  proxy(`${NET}.21`, { 'ratings:9080': upstream(3) }),
  proxy(`${NET}.22`, { 'details:9080': { status: 503 }, 'reviews:9080': 'hang' }),
  proxy(`${NET}.23`, { 'ratings:9080': 'hang' }),
  proxy(`${NET}.24`, { 'ratings:9080': { status: 500 } }),
]);

await Promise.all([
  program('details', `${NET}.2`),
  program('ratings', `${NET}.3`),
  program('reviews', `${NET}.4`, { ...IMAGE_ENV.reviewsV1, POD_NAME: 'reviews-v1-5d8f9c7b4-aaaaa' }),
  program('reviews', `${NET}.5`, { ...IMAGE_ENV.reviewsV2, POD_NAME: 'reviews-v2-5d8f9c7b4-bbbbb', HTTP_PROXY: ratingsMesh.url }),
  program('reviews', `${NET}.6`, { ...IMAGE_ENV.reviewsV3, POD_NAME: 'reviews-v3-5d8f9c7b4-ccccc', HTTP_PROXY: ratingsMesh.url }),
  program('productpage', `${NET}.7`, { POD_NAME: 'productpage-v1-1', HTTP_PROXY: healthyMesh.url }),
  program('productpage', `${NET}.8`, { POD_NAME: 'productpage-v1-2', HTTP_PROXY: brokenMesh.url }),
  program('reviews', `${NET}.9`, { ...IMAGE_ENV.reviewsV3, POD_NAME: 'reviews-v3-hung', HTTP_PROXY: hungRatingsMesh.url }),
  program('reviews', `${NET}.10`, { ...IMAGE_ENV.reviewsV2, POD_NAME: 'reviews-v2-failing', HTTP_PROXY: failingRatingsMesh.url }),
  // No HTTP_PROXY: connects straight to the hosts named by the real image's env variables.
  program('productpage', `${NET}.11`, { DETAILS_HOSTNAME: `${NET}.2`, REVIEWS_HOSTNAME: `${NET}.5`, RATINGS_HOSTNAME: `${NET}.3` }),
]);

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

void t.test('details answers the book record and rejects non-numeric ids', async (t) => {
  const ok = await getJson(`http://${NET}.2:9080/details/0`);
  t.equal(ok.status, 200);
  t.match(ok.body, { id: 0, author: 'William Shakespeare', publisher: 'PublisherA', 'ISBN-10': '1234567890', type: 'paperback', pages: 200 });
  const bad = await getJson(`http://${NET}.2:9080/details/abc`);
  t.equal(bad.status, 400);
  t.same(await getJson(`http://${NET}.2:9080/health`), { status: 200, body: { status: 'Details is healthy' } });
});

void t.test('ratings answers both reviewers and accepts posted ratings', async (t) => {
  t.same(await getJson(`http://${NET}.3:9080/ratings/0`), { status: 200, body: { id: 0, ratings: { Reviewer1: 5, Reviewer2: 4 } } });
  const posted = await fetch(`http://${NET}.3:9080/ratings/7`, { method: 'POST', body: JSON.stringify({ Reviewer1: 1, Reviewer2: 2 }) });
  t.equal(posted.status, 200);
  t.same((await getJson(`http://${NET}.3:9080/ratings/7`)).body, { id: 7, ratings: { Reviewer1: 1, Reviewer2: 2 } });
  t.equal((await getJson(`http://${NET}.3:9080/ratings/x`)).status, 400);
});

const versionTable = [
  { name: 'v1', ip: `${NET}.4`, color: undefined, pod: 'reviews-v1-5d8f9c7b4-aaaaa' },
  { name: 'v2', ip: `${NET}.5`, color: 'black', pod: 'reviews-v2-5d8f9c7b4-bbbbb' },
  { name: 'v3', ip: `${NET}.6`, color: 'red', pod: 'reviews-v3-5d8f9c7b4-ccccc' },
];
for (const version of versionTable) {
  void t.test(`reviews ${version.name} stars follow the image's version`, async (t) => {
    const { status, body } = await getJson(`http://${version.ip}:9080/reviews/0`);
    t.equal(status, 200);
    t.equal(body.podname, version.pod);
    const reviews = body.reviews as { reviewer: string; rating?: { stars: number; color: string } }[];
    t.same(reviews.map((r) => r.reviewer), ['Reviewer1', 'Reviewer2']);
    if (version.color === undefined) {
      t.ok(reviews.every((r) => r.rating === undefined), 'v1 has no ratings');
    } else {
      t.same(reviews.map((r) => r.rating), [{ stars: 5, color: version.color }, { stars: 4, color: version.color }]);
    }
  });
}

void t.test('reviews calls ratings through HTTP_PROXY as an absolute-URI request, forwarding trace and user headers', async (t) => {
  const sent = {
    'x-request-id': 'req-reviews-1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    'x-b3-traceid': '0af7651916cd43dd8448eb211c80319c',
    'end-user': 'jason',
  };
  await getJson(`http://${NET}.5:9080/reviews/0`, sent);
  const call = ratingsMesh.requests.find((r) => r.headers['x-request-id'] === 'req-reviews-1');
  t.ok(call, 'the proxy saw the ratings call');
  t.equal(call?.url, 'http://ratings:9080/ratings/0');
  t.match(call?.headers, { ...sent, host: 'ratings:9080' });
});

void t.test('reviews shows the ratings error when ratings fails or exceeds its timeout (2.5 s for red stars)', async (t) => {
  const failing = await getJson(`http://${NET}.10:9080/reviews/0`);
  t.same((failing.body.reviews as { rating: unknown }[]).map((r) => r.rating), [
    { error: 'Ratings service is currently unavailable' },
    { error: 'Ratings service is currently unavailable' },
  ]);
  const started = Date.now();
  const hung = await getJson(`http://${NET}.9:9080/reviews/0`);
  const elapsed = Date.now() - started;
  t.equal(hung.status, 200);
  t.match(JSON.stringify(hung.body), /Ratings service is currently unavailable/);
  t.ok(elapsed >= 2400 && elapsed < 6000, `gave up after ${elapsed} ms (expected ~2500)`);
});

void t.test('productpage renders details and reviews fetched through the sidecar', async (t) => {
  const res = await fetch(`http://${NET}.7:9080/productpage`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /text\/html/);
  const html = await res.text();
  t.match(html, 'The Comedy of Errors');
  t.match(html, /<dt>Publisher:<\/dt><dd>PublisherA<\/dd>/);
  t.match(html, /ISBN-13:<\/dt><dd>123-1234567890/);
  t.match(html, 'An extremely entertaining play by Shakespeare');
  t.match(html, 'reviews-v3-5d8f9c7b4-ccccc', 'names the reviews pod that answered');
  t.match(html, /<font color="red"/, 'v3 stars are red');
  t.equal((html.match(/glyphicon-star"/g) ?? []).length, 9, '5 + 4 full stars');
  t.notMatch(html, 'Sorry');
});

void t.test('productpage forwards trace, b3 and application headers to details and reviews', async (t) => {
  const sent = {
    'x-request-id': 'req-page-1',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: 'congo=t61rcWkgMzE',
    'x-b3-traceid': '4bf92f3577b34da6a3ce929d0e0e4736',
    'x-b3-spanid': '00f067aa0ba902b7',
    'x-b3-parentspanid': '0000000000000001',
    'x-b3-sampled': '1',
    'x-b3-flags': '0',
    b3: '4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1',
    'user-agent': 'meshlet-test/1.0',
    authorization: 'Bearer abc',
    cookie: 'theme=dark',
  };
  await (await fetch(`http://${NET}.7:9080/productpage`, { headers: { ...sent, 'x-not-forwarded': 'nope' } })).text();
  const calls = healthyMesh.requests.filter((r) => r.headers['x-request-id'] === 'req-page-1');
  t.same(calls.map((c) => c.url).sort(), ['http://details:9080/details/0', 'http://reviews:9080/reviews/0']);
  for (const call of calls) t.match(call.headers, sent, `forwarded to ${call.url}`);
  t.notOk(calls.some((c) => c.headers['x-not-forwarded']), 'only the listed headers travel');
});

void t.test('login sets a session whose user reaches reviews as end-user; logout clears it', async (t) => {
  const login = await fetch(`http://${NET}.7:9080/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', referer: `http://${NET}.7:9080/productpage` },
    body: 'username=jason&passwd=secret',
  });
  t.equal(login.status, 302);
  t.equal(login.headers.get('location'), `http://${NET}.7:9080/productpage`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  t.match(cookie, /^session=/);
  const page = await (await fetch(`http://${NET}.7:9080/productpage`, { headers: { cookie, 'x-request-id': 'req-jason' } })).text();
  t.match(page, /class="user">jason</);
  const toReviews = healthyMesh.requests.find((r) => r.headers['x-request-id'] === 'req-jason' && r.url.includes('/reviews/'));
  t.equal(toReviews?.headers['end-user'], 'jason');
  const logout = await fetch(`http://${NET}.7:9080/logout`, { redirect: 'manual', headers: { cookie } });
  t.equal(logout.status, 302);
  t.match(logout.headers.get('set-cookie'), /session=;.*Max-Age=0/);
  t.equal((await fetch(`http://${NET}.7:9080/login`)).status, 405, 'login is POST only');
});

void t.test('productpage shows both error messages when details fails and reviews never answers (3 s, retried once)', async (t) => {
  const started = Date.now();
  const res = await fetch(`http://${NET}.8:9080/productpage`, { headers: { 'x-request-id': 'req-broken' } });
  const html = await res.text();
  const elapsed = Date.now() - started;
  t.equal(res.status, 200);
  t.match(html, 'Sorry, product details are currently unavailable for this book.');
  t.match(html, 'Sorry, product reviews are currently unavailable for this book.');
  const reviewCalls = brokenMesh.requests.filter((r) => r.headers['x-request-id'] === 'req-broken' && r.url.includes('/reviews/'));
  t.equal(reviewCalls.length, 2, 'reviews is tried twice');
  t.ok(elapsed >= 5900 && elapsed < 9000, `answered after ${elapsed} ms (expected ~6000)`);
});

void t.test('productpage API and health endpoints', async (t) => {
  const base = `http://${NET}.7:9080`;
  const products = await getJson(`${base}/api/v1/products`);
  t.match(products.body, [{ id: 0, title: 'The Comedy of Errors' }]);
  t.match((await getJson(`${base}/api/v1/products/0`)).body, { author: 'William Shakespeare' });
  t.match((await getJson(`${base}/api/v1/products/0/reviews`)).body, { podname: 'reviews-v3-5d8f9c7b4-ccccc' });
  const ratings = await getJson(`${base}/api/v1/products/0/ratings`);
  t.equal(ratings.status, 503, 'ratings is not routed by this proxy');
  t.same(ratings.body, { error: 'Sorry, product ratings are currently unavailable for this book.' });
  t.equal(await (await fetch(`${base}/health`)).text(), 'Product page is healthy');
  const css = await fetch(`${base}/static/bookinfo.css`);
  t.equal(css.status, 200);
  t.match(css.headers.get('content-type'), /text\/css/);
  t.equal((await fetch(`${base}/static/..%2F..%2F..%2Fpackage.json`)).status, 404, 'no escape from static/');
  t.match(await (await fetch(`${base}/`)).text(), /productpage\?u=normal/);
});

void t.test('without HTTP_PROXY productpage connects directly to the hosts its env names', async (t) => {
  const html = await (await fetch(`http://${NET}.11:9080/productpage`)).text();
  t.match(html, 'PublisherA');
  t.match(html, /<font color="black"/);
  t.match(html, 'reviews-v2-5d8f9c7b4-bbbbb');
});
