// The dashboard of a real cluster running Bookinfo, in headless chromium: traffic
// through the ingress shows up in the graph, the trace list and pods by node.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { chromiumMissingMessage, launchChromium } from './browser.ts';

const missing = chromiumMissingMessage();
if (missing) {
  t.fail(missing);
} else {
  const dir = resolve(import.meta.dirname, '../../examples/bookinfo');
  const yaml = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => readFileSync(join(dir, f), 'utf8')).join('\n---\n');
  const cluster = await startCluster({ yaml, nodes: 2 });
  const browser = await launchChromium();
  t.teardown(async () => {
    await browser.close();
    await cluster.stop();
  });
  const ingress = cluster.ingressUrl.replace(/\/$/, '');
  await waitFor('Bookinfo serving through the ingress', async () => {
    const res = await fetch(`${ingress}/productpage`);
    return res.status === 200 && (await res.text()).includes('Reviewer1');
  }, { timeoutMs: 30_000, intervalMs: 200 });

  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  await page.goto(cluster.dashboardUrl);
  await page.waitForSelector('#live-status[data-state="live"]', { timeout: 10_000 });

  void t.test('page views appear live in the graph, traces and pods', async (t) => {
    for (let i = 0; i < 12; i++) await (await fetch(`${ingress}/productpage`)).text();
    await page.waitForSelector('[data-node-id$="/productpage-v1"]', { timeout: 15_000 });
    await page.waitForSelector('[data-edge$="/ratings-v1"]', { timeout: 15_000 });
    const edges = await page.$$eval('[data-edge]', (els) => els.map((el) => el.getAttribute('data-edge') ?? ''));
    t.ok(edges.some((e) => /productpage-v1->.*details-v1$/.test(e)), `productpage → details among ${edges.join(', ')}`);
    t.ok(edges.some((e) => /productpage-v1->.*reviews-v[123]$/.test(e)), 'productpage → reviews');
    t.equal(await page.locator('[data-pod]').count(), 6, 'six Bookinfo pods listed');

    await page.locator('[data-trace-id]').first().click();
    await page.waitForSelector('.waterfall [data-span-id]', { timeout: 10_000 });
    t.ok(await page.locator('.waterfall [data-span-id]').count() >= 2, 'the waterfall shows the trace spans');
    if (process.env.DASHBOARD_SCREENSHOT) await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true });
  });
}
