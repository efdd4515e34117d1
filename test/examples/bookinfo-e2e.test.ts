// Bookinfo end to end: meshlet's own manifests on a whole in-process cluster, the page
// fetched through the ingress gateway with details and reviews filled in by real pods.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseManifestText } from '../../control/cluster/manifests.ts';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { REPO_ROOT } from './program-process.ts';

const dir = join(REPO_ROOT, 'examples/bookinfo');
const yaml = readdirSync(dir)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => readFileSync(join(dir, name), 'utf8'))
  .join('\n---\n');

const cluster = await startCluster({ yaml, nodes: 2 });
t.teardown(() => cluster.stop());

const ingress = cluster.ingressUrl.replace(/\/$/, '');

async function productPage(headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${ingress}/productpage`, { headers });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${body.slice(0, 200)}`);
  return body;
}

void t.test('the product page comes through the ingress with details and reviews', async (t) => {
  const html = await waitFor('a product page with details and reviews', async () => {
    const body = await productPage();
    return body.includes('PublisherA') && body.includes('Reviewer1') ? body : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  t.match(html, 'The Comedy of Errors');
  t.notMatch(html, 'Sorry, product');
  t.match(html, /reviews-v[123]-/, 'names the reviews pod');
});

void t.test('with no VirtualService for reviews, all three versions answer', async (t) => {
  const seen = new Set<string>();
  await waitFor('reviews v1, v2 and v3 behind the product page', async () => {
    const version = /reviews-(v[123])-/.exec(await productPage())?.[1];
    if (version) seen.add(version);
    return seen.size === 3;
  }, { timeoutMs: 20_000, intervalMs: 0 });
  t.same([...seen].sort(), ['v1', 'v2', 'v3']);
});

void t.test('routes outside the Bookinfo VirtualService are not exposed', async (t) => {
  const res = await fetch(`${ingress}/health`);
  await res.text();
  t.equal(res.status, 404);
});

async function applyRoute(file: string): Promise<void> {
  const path = join(REPO_ROOT, 'examples/bookinfo-routes', file);
  const results = await cluster.apply(parseManifestText(readFileSync(path, 'utf8'), path).map((m) => m.object));
  const failed = results.filter((r) => r.action === 'failed');
  if (failed.length) throw new Error(`${file}: ${failed.map((f) => f.error?.message).join('; ')}`);
}

async function loginCookie(user: string): Promise<string> {
  const res = await fetch(`${ingress}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `username=${encodeURIComponent(user)}&passwd=x`,
  });
  await res.text();
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (res.status !== 302 || !cookie) throw new Error(`login answered ${res.status}`);
  return cookie;
}

void t.test('a trace follows one page view from the gateway to ratings (apps forward trace headers)', async (t) => {
  const trace = await waitFor('a trace reaching ratings', async () => {
    await productPage();
    return cluster.spans.traces(200).find((s) => s.services.some((n) => n.includes('productpage')) && s.services.some((n) => n.includes('ratings')));
  }, { timeoutMs: 20_000, intervalMs: 0 });
  const services = cluster.spans.trace(trace.traceId).map((s) => s.service).join(' ');
  for (const name of ['productpage', 'details', 'reviews', 'ratings']) t.match(services, name, `${name} in trace ${trace.traceId}`);
});

void t.test('user-based routing: jason sees v2 (black stars), everyone else v1', async (t) => {
  await applyRoute('reviews-jason-v2.yaml');
  const jason = await loginCookie('jason');
  await waitFor('the jason route in effect', async () => {
    const [asJason, anonymous] = await Promise.all([productPage({ cookie: jason }), productPage()]);
    return asJason.includes('color="black"') && asJason.includes('reviews-v2-') && anonymous.includes('reviews-v1-');
  }, { timeoutMs: 15_000, intervalMs: 50 });
  for (let i = 0; i < 5; i++) {
    const asJason = await productPage({ cookie: jason });
    t.match(asJason, 'reviews-v2-');
    t.match(asJason, 'color="black"');
    t.notMatch(await productPage(), /glyphicon-star/, 'no stars for anonymous users');
  }
});

void t.test('fault injection: ratings abort for jason shows the ratings error', async (t) => {
  await applyRoute('ratings-abort-jason.yaml');
  const jason = await loginCookie('jason');
  const page = await waitFor('the abort rule in effect', async () => {
    const body = await productPage({ cookie: jason });
    return body.includes('Ratings service is currently unavailable') ? body : undefined;
  }, { timeoutMs: 15_000, intervalMs: 50 });
  t.match(page, 'reviews-v2-');
  t.notMatch(page, 'Sorry, product reviews');
});

void t.test('fault injection: a 7 s ratings delay for jason makes productpage give up on reviews (3 s, tried twice)', async (t) => {
  await applyRoute('ratings-delay-jason.yaml');
  const jason = await loginCookie('jason');
  const page = await waitFor('the delay rule in effect', async () => {
    const started = Date.now();
    const body = await productPage({ cookie: jason });
    return body.includes('Sorry, product reviews are currently unavailable for this book.') ? { body, ms: Date.now() - started } : undefined;
  }, { timeoutMs: 30_000, intervalMs: 50 });
  t.ok(page.ms >= 5500 && page.ms < 12_000, `answered after ${page.ms} ms`);
  t.match(page.body, 'PublisherA', 'details still render');
});
