// The dashboard page in a real browser, fed by an in-memory source: graph, splits,
// trace waterfall, pods, and live updates without a reload.
import t from 'tap';
import { startDashboard } from '../../control/dashboard/index.ts';
import { chromiumMissingMessage, launchChromium } from './browser.ts';
import { bookinfoSource } from './memory-source.ts';

const missing = chromiumMissingMessage();
if (missing) {
  t.fail(missing);
} else {
  const source = bookinfoSource(Date.now());
  const dashboard = await startDashboard({ source, throttleMs: 50 });
  const browser = await launchChromium();
  t.teardown(async () => {
    await browser.close();
    await dashboard.close();
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(dashboard.url);
  await page.waitForSelector('#live-status[data-state="live"]', { timeout: 10_000 });

  void t.test('the service graph shows every node and labelled edge from the source', async (t) => {
    await page.waitForSelector('[data-node-id="default/ratings-v1"]', { timeout: 10_000 });
    const nodeIds = await page.$$eval('[data-node-id]', (els) => els.map((el) => el.getAttribute('data-node-id')));
    t.same(nodeIds.sort(), source.graphData.nodes.map((n) => n.id).sort());
    const details = page.locator('[data-label-for="default/productpage-v1->default/details-v1"]');
    t.match(await details.textContent(), /2(\.0)?% err · p50 2\.5 ms \(1000\)/);
    t.equal(await page.locator('[data-edge]').count(), source.graphData.edges.length);
    t.match(await page.locator('[data-node-id="default/reviews-v2"]').textContent(), /reviews.*v2/);
  });

  void t.test('a traffic split shows configured weights next to observed shares', async (t) => {
    const split = page.locator('[data-split="default/reviews/http[0]"]');
    await split.waitFor({ timeout: 10_000 });
    t.match(await split.locator('[data-subset="v1"]').textContent(), /90% configured.*90% observed \(900\)/);
    t.match(await split.locator('[data-subset="v2"]').textContent(), /10% configured.*10% observed \(100\)/);
    const width = await split.locator('[data-subset="v1"] .bar-configured .bar-fill').evaluate((el) => (el as unknown as { style: { width: string } }).style.width);
    t.equal(width, '90%');
  });

  void t.test('clicking a trace shows its spans as a waterfall', async (t) => {
    await page.click('[data-trace-id="4bf92f3577b34da6a3ce929d0e0e4736"]');
    await page.waitForSelector('[data-span-id="a000000000000005"]', { timeout: 10_000 });
    const spans = await page.$$eval('.waterfall [data-span-id]', (els) => els.map((el) => el.getAttribute('data-span-id')));
    t.same(spans, ['a000000000000001', 'a000000000000002', 'a000000000000003', 'a000000000000004', 'a000000000000005'], 'parents before children');
    t.match(await page.locator('#trace-detail').textContent(), /ratings\.default\.svc\.cluster\.local:9080\/\*/);
    const attributes = page.locator('[data-attributes-for="a000000000000005"]');
    t.notOk(await attributes.isVisible(), 'attributes start folded');
    await page.click('[data-span-id="a000000000000005"]');
    await attributes.waitFor({ state: 'visible', timeout: 5000 });
    t.match(await attributes.textContent(), /http\.response\.status_code200/);
    t.match(await page.locator('[data-trace-id="0af7651916cd43dd8448eb211c80319c"]').getAttribute('class'), /error/);
  });

  void t.test('pods are grouped by node', async (t) => {
    t.equal(await page.locator('[data-node-name="node-2"] [data-pod]').count(), 2);
    t.match(await page.locator('[data-pod="default/productpage-v1-7d9f"]').textContent(), /127\.244\.1\.2 · Running/);
  });

  void t.test('changes in the source appear live, without a reload', async (t) => {
    await page.evaluate(() => { (globalThis as unknown as { stillSamePage: boolean }).stillSamePage = true; });
    source.graphData.nodes.push({ id: 'default/reviews-v3', name: 'reviews', namespace: 'default', kind: 'workload', app: 'reviews', version: 'v3' });
    source.graphData.edges.push({ source: 'default/productpage-v1', target: 'default/reviews-v3', requests: 7, errors: 7, p50Ms: 30 });
    source.splitData[0]!.subsets = [
      { subset: 'v1', version: 'v1', weight: 50, observed: 900 },
      { subset: 'v3', version: 'v3', weight: 50, observed: 0 },
    ];
    source.clusterData.pods.push({ name: 'reviews-v3-9a1b', namespace: 'default', ip: '127.244.1.3', node: 'node-1', phase: 'Running', ready: true });
    source.changed();
    await page.waitForSelector('[data-node-id="default/reviews-v3"]', { timeout: 10_000 });
    await page.waitForSelector('[data-split="default/reviews/http[0]"] [data-subset="v3"]', { timeout: 10_000 });
    await page.waitForSelector('[data-pod="default/reviews-v3-9a1b"]', { timeout: 10_000 });
    t.match(await page.locator('[data-label-for="default/productpage-v1->default/reviews-v3"]').textContent(), /100% err/);
    t.match(await page.locator('[data-split="default/reviews/http[0]"] [data-subset="v1"]').textContent(), /50% configured/);
    t.equal(await page.evaluate(() => (globalThis as unknown as { stillSamePage?: boolean }).stillSamePage), true, 'same document, no reload');
    if (process.env.DASHBOARD_SCREENSHOT) await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true });
    t.same(pageErrors, [], 'no script errors on the page');
  });
}
