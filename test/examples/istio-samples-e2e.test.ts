// Istio's own sample manifests, unchanged, on one meshlet cluster: Bookinfo with its
// gateway and routing samples, httpbin, helloworld, tcp-echo and curl (a command-only pod).
import http from 'node:http';
import net from 'node:net';
import t from 'tap';
import { PODS, SERVICES } from '../../control/api/index.ts';
import type { Pod, Service } from '../../control/api/index.ts';
import { parseManifestText } from '../../control/cluster/manifests.ts';
import { startCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { istioSample as sample } from '../helpers/reference.ts';

const yaml = [
  'bookinfo/platform/kube/bookinfo.yaml',
  'bookinfo/networking/bookinfo-gateway.yaml',
  'bookinfo/networking/destination-rule-all.yaml',
  'httpbin/httpbin.yaml',
  'helloworld/helloworld.yaml',
  'tcp-echo/tcp-echo-services.yaml',
  'curl/curl.yaml',
].map(sample).join('\n---\n');

const cluster = await startCluster({ yaml, nodes: 2 });
t.teardown(() => cluster.stop());
const ingress = cluster.ingressUrl.replace(/\/$/, '');

async function applySample(path: string): Promise<void> {
  const results = await cluster.apply(parseManifestText(sample(path), path).map((m) => m.object));
  const failed = results.filter((r) => r.action === 'failed');
  if (failed.length) throw new Error(`${path}: ${failed.map((f) => f.error?.message).join('; ')}`);
}

async function productPage(): Promise<string> {
  const res = await fetch(`${ingress}/productpage`);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return body;
}

async function clusterIp(name: string): Promise<string> {
  const svc = await cluster.client.get<Service>(SERVICES, 'default', name);
  const ip = svc?.spec?.clusterIP;
  if (!ip) throw new Error(`service ${name} has no ClusterIP`);
  return ip;
}

function tcpExchange(host: string, port: number, line: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = net.connect(port, host, () => socket.write(line));
    let received = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5000, () => socket.destroy(new Error(`tcp ${host}:${port} timed out`)));
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.endsWith('\n')) socket.end();
    });
    socket.on('close', () => done(received));
    socket.on('error', fail);
  });
}

await waitFor('Bookinfo (Istio manifests) through the ingress', async () => (await productPage()).includes('Reviewer1'), { timeoutMs: 40_000, intervalMs: 200 });

void t.test('virtual-service-all-v1 pins reviews to v1: no stars on any page', async (t) => {
  await applySample('bookinfo/networking/virtual-service-all-v1.yaml');
  await waitFor('only reviews-v1 answering', async () => {
    const pages = await Promise.all(Array.from({ length: 6 }, productPage));
    return pages.every((p) => p.includes('reviews-v1-') && !p.includes('glyphicon-star'));
  }, { timeoutMs: 15_000, intervalMs: 50 });
  for (let i = 0; i < 10; i++) t.match(await productPage(), 'reviews-v1-');
});

void t.test('virtual-service-reviews-v3 switches everyone to red stars', async (t) => {
  await applySample('bookinfo/networking/virtual-service-reviews-v3.yaml');
  const page = await waitFor('reviews v3', async () => {
    const body = await productPage();
    return body.includes('reviews-v3-') ? body : undefined;
  }, { timeoutMs: 15_000, intervalMs: 50 });
  t.match(page, /<font color="red"/);
});

void t.test('httpbin (go-httpbin image) answers on its Service port 8000 → 8080', async (t) => {
  const ip = await clusterIp('httpbin');
  const body = await waitFor('httpbin /get', async () => {
    const res = await fetch(`http://${ip}:8000/get?probe=1`);
    return res.status === 200 ? ((await res.json()) as { args: Record<string, string[]> }) : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100 });
  t.same(body.args, { probe: ['1'] });
  t.equal((await fetch(`http://${ip}:8000/status/418`)).status, 418);
});

/** One request on its own connection: the Service VIP balances connections, as kube-proxy does. */
function getOnNewConnection(url: string): Promise<string> {
  return new Promise((done, fail) => {
    http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => done(body));
    }).on('error', fail);
  });
}

void t.test('helloworld v1 and v2 both answer behind one Service', async (t) => {
  const ip = await clusterIp('helloworld');
  const seen = new Set<string>();
  await waitFor('both helloworld versions', async () => {
    const text = await getOnNewConnection(`http://${ip}:5000/hello`);
    const match = /^Hello version: (v[12]), instance: helloworld-v[12]-/.exec(text);
    if (match) seen.add(match[1]!);
    return seen.size === 2;
  }, { timeoutMs: 15_000, intervalMs: 0 });
  t.same([...seen].sort(), ['v1', 'v2']);
});

void t.test('helloworld-gateway beside bookinfo-gateway: the ingress serves /hello and /productpage', async (t) => {
  await applySample('helloworld/helloworld-gateway.yaml');
  const hello = await waitFor('/hello through the ingress', async () => {
    const res = await fetch(`${ingress}/hello`);
    const text = await res.text();
    return res.status === 200 && text;
  }, { timeoutMs: 15_000, intervalMs: 100 });
  t.match(hello, /^Hello version: v[12], instance: helloworld-v[12]-/);
  t.match(await productPage(), 'Reviewer1', 'bookinfo keeps its routes on the same "*" host');
});

void t.test('trace spans carry each workload\'s own service.name', async (t) => {
  await productPage();
  const spans = await waitFor('productpage\'s inbound span', () => {
    const all = cluster.spans.all();
    return all.some((s) => s.serviceName === 'productpage.default' && s.kind === 'server') ? all : undefined;
  }, { timeoutMs: 10_000, intervalMs: 50 });
  const inbound = spans.find((s) => s.serviceName === 'productpage.default' && s.kind === 'server');
  t.equal(inbound?.attributes.upstream_cluster, 'inbound|9080||', 'the inbound span names the local cluster');
  const names = new Set(spans.map((s) => s.serviceName));
  for (const name of ['istio-ingressgateway.istio-system', 'productpage.default', 'reviews.default', 'details.default']) t.ok(names.has(name), `spans from ${name}`);
  t.notOk(names.has('meshlet'), 'no proxy span reports as the one "meshlet" resource');
});

void t.test('tcp-echo prefixes lines with the version from its args, on both Service ports', async (t) => {
  const ip = await clusterIp('tcp-echo');
  for (const port of [9000, 9001]) {
    const reply = await waitFor(`tcp-echo on ${port}`, () => tcpExchange(ip, port, 'hello\n'), { timeoutMs: 15_000, intervalMs: 100 });
    t.match(reply, /^(one|two) hello\n$/, `port ${port}`);
  }
});

void t.test('tcp-echo through the ingress gateway TCP port 31400: all to v1, then 80/20', async (t) => {
  const port = cluster.ingressTcpPorts[31400];
  t.ok(port, 'the gateway maps 31400 to a local port');
  await applySample('tcp-echo/tcp-echo-all-v1.yaml');
  const first = await waitFor('tcp-echo via the gateway', () => tcpExchange('127.0.0.1', port!, 'hello\n'), { timeoutMs: 15_000, intervalMs: 100 });
  t.equal(first, 'one hello\n', 'v1 answers (its prefix is "one")');
  await applySample('tcp-echo/tcp-echo-20-v2.yaml');
  await waitFor('v2 takes part', async () => (await tcpExchange('127.0.0.1', port!, 'x\n')).startsWith('two'), { timeoutMs: 15_000, intervalMs: 0 });
  const total = 200;
  let v2 = 0;
  for (let i = 0; i < total; i++) if ((await tcpExchange('127.0.0.1', port!, 'x\n')).startsWith('two')) v2 += 1;
  const sigma = Math.sqrt(total * 0.2 * 0.8);
  t.ok(Math.abs(v2 - total * 0.2) <= 4 * sigma, `v2 got ${v2} of ${total} connections (expected 40 ± ${Math.round(4 * sigma)})`);
});

void t.test('the curl sample runs its own command (sleep infinity) and stays up', async (t) => {
  const pod = await waitFor('curl pod running', async () => {
    const pods = await cluster.client.list<Pod>(PODS, { namespace: 'default', labelSelector: 'app=curl' });
    return pods.items.find((p) => p.status?.phase === 'Running');
  }, { timeoutMs: 15_000, intervalMs: 100 });
  t.equal(pod.status?.containerStatuses?.[0]?.restartCount ?? 0, 0);
});

async function loginCookie(user: string): Promise<string> {
  const res = await fetch(`${ingress}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `username=${encodeURIComponent(user)}&passwd=x`,
  });
  await res.text();
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

void t.test('fault injection task: reviews-test-v2 + ratings-test-abort show jason the ratings error', async (t) => {
  await applySample('bookinfo/networking/virtual-service-reviews-test-v2.yaml');
  await applySample('bookinfo/networking/virtual-service-ratings-test-abort.yaml');
  const jason = await loginCookie('jason');
  t.match(jason, /^session=/);
  const page = await waitFor('the abort rule for jason', async () => {
    const res = await fetch(`${ingress}/productpage`, { headers: { cookie: jason } });
    const body = await res.text();
    return body.includes('Ratings service is currently unavailable') ? body : undefined;
  }, { timeoutMs: 15_000, intervalMs: 50 });
  t.match(page, 'reviews-v2-');
  const anonymous = await productPage();
  t.match(anonymous, 'reviews-v1-', 'everyone else gets v1');
  t.notMatch(anonymous, 'Ratings service is currently unavailable');
});

void t.test('fault-injection-details-v1 aborts details with 555: the page shows the details error', async (t) => {
  await applySample('bookinfo/networking/fault-injection-details-v1.yaml');
  const page = await waitFor('the details abort', async () => {
    const body = await productPage();
    return body.includes('Sorry, product details are currently unavailable for this book.') ? body : undefined;
  }, { timeoutMs: 15_000, intervalMs: 50 });
  t.match(page, 'Reviewer1', 'reviews still render');
  const api = await fetch(`${ingress}/api/v1/products/0`);
  await api.text();
  t.equal(api.status, 555, 'the API passes the upstream status through');
});
