// DestinationRule load balancers over real endpoints: consistent hash pinning
// (header, cookie, source IP, query parameter), RANDOM, LEAST_REQUEST,
// PASSTHROUGH, and round robin when there is no VirtualService.

import t from 'tap';
import type { ServerResponse } from 'node:http';
import { startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import type { Sidecar } from '../../mesh/index.ts';
import type { Backend, ClientResponse } from './fixtures.ts';
import { converged, destroyAgents, fromYaml, many, pod, service, startBackend, tally, viaProxy, waitFor } from './fixtures.ts';

const NET = '127.250.4';
const CLIENT = `${NET}.10`;
const VIP = `${NET}.100`;
let sidecar: Sidecar;
const backends: Backend[] = [];
const held: ServerResponse[] = [];
let holdOn = -1;
const config = new StaticConfigSource();

t.before(async () => {
  for (let i = 0; i < 3; i++) {
    backends.push(await startBackend(`lb-${i}`, `${NET}.${20 + i}`, 8080, (req, res) => {
      if (i === holdOn && req.url === '/hold') {
        held.push(res);
        return;
      }
      const body = JSON.stringify({ name: `lb-${i}` });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    }));
  }
  // Stands in for the node agent's service proxy on the ClusterIP (PASSTHROUGH target).
  backends.push(await startBackend('vip', VIP, 8080));
  config.apply(
    pod('client', CLIENT, { app: 'client' }),
    ...[0, 1, 2].map((i) => pod(`lb-${i}`, `${NET}.${20 + i}`, { app: 'lb' }, { meshed: false, ports: [8080] })),
    service('lb', { app: 'lb' }, [{ port: 8080 }], { clusterIP: VIP }),
  );
  sidecar = await startSidecar({ identity: { kind: 'sidecar', name: 'client', namespace: 'default', labels: { app: 'client' } }, podIp: CLIENT, config });
});

t.teardown(async () => {
  destroyAgents();
  await sidecar.close();
  for (const b of backends) await b.close();
});

function get(path = '/', headers: Record<string, string> = {}, localAddress?: string): Promise<ClientResponse> {
  return viaProxy({ host: CLIENT, port: 15001 }, `http://lb:8080${path}`, { headers, localAddress });
}

async function policy(lb: string): Promise<void> {
  config.apply(...fromYaml(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: lb }
spec:
  host: lb
  trafficPolicy:
    loadBalancer: ${lb}
`));
  await converged(sidecar, config);
}

const names = (rs: ClientResponse[]): Record<string, number> => tally(rs.map((r) => r.body));

t.test('no VirtualService, no DestinationRule → round robin over all endpoints', async (t) => {
  const counts = names(await many(30, 1, () => get()));
  t.same(counts, { 'lb-0': 10, 'lb-1': 10, 'lb-2': 10 });
});

t.test('consistent hash on a header pins a value to one endpoint across 500 requests', async (t) => {
  await policy('{ consistentHash: { httpHeaderName: x-user } }');
  const alice = names(await many(500, 16, () => get('/', { 'x-user': 'alice' })));
  t.equal(Object.keys(alice).length, 1, `alice always lands on ${Object.keys(alice)[0]}`);
  t.equal(Object.values(alice)[0], 500);
  const spread = new Set<string>();
  for (let u = 0; u < 40; u++) spread.add(Object.keys(names([await get('/', { 'x-user': `user-${u}` })]))[0]!);
  t.ok(spread.size >= 2, `different users spread over ${spread.size} endpoints`);
});

t.test('consistent hash on a query parameter, a cookie and the source IP', async (t) => {
  await policy('{ consistentHash: { httpQueryParameterName: shard } }');
  t.equal(Object.keys(names(await many(50, 8, () => get('/?shard=7')))).length, 1, 'query parameter pins');

  await policy('{ consistentHash: { httpCookie: { name: affinity, ttl: 60s } } }');
  const first = await get('/');
  const setCookie = String(first.headers['set-cookie'] ?? '');
  t.match(setCookie, /^affinity=[0-9a-f]+; Max-Age=60/, 'a cookie is issued when absent');
  const cookie = setCookie.split(';')[0]!;
  const pinned = names(await many(50, 8, () => get('/', { cookie })));
  t.equal(Object.keys(pinned).length, 1, 'the cookie pins');

  await policy('{ consistentHash: { useSourceIp: true } }');
  t.equal(Object.keys(names(await many(50, 8, () => get('/')))).length, 1, 'one source pod → one endpoint');
});

t.test('RANDOM uses every endpoint', async (t) => {
  await policy('{ simple: RANDOM }');
  const counts = names(await many(300, 8, () => get()));
  t.equal(Object.keys(counts).length, 3);
  for (const n of Object.values(counts)) t.ok(n > 50, `roughly even (${n})`);
});

t.test('LEAST_REQUEST avoids an endpoint with requests in flight', async (t) => {
  await policy('{ simple: LEAST_REQUEST }');
  holdOn = 0;
  // Park one request on lb-0 (retrying until a pick lands there), then every later pick compares it with an idle endpoint.
  const parked: Promise<ClientResponse>[] = [];
  while (held.length < 1) {
    parked.push(get('/hold'));
    await waitFor(() => backends.reduce((s, b) => s + b.requests.filter((r) => r.url === '/hold').length, 0) >= parked.length, 5000);
  }
  const counts = names(await many(200, 1, () => get()));
  t.equal(counts['lb-0'] ?? 0, 0, `the endpoint with a request in flight loses every power-of-two comparison (${JSON.stringify(counts)})`);
  t.ok((counts['lb-1'] ?? 0) > 50 && (counts['lb-2'] ?? 0) > 50, 'the idle endpoints share the load');
  for (const r of held) r.end('{"name":"held"}');
  await Promise.all(parked);
  holdOn = -1;
});

t.test('PASSTHROUGH sends to the ClusterIP the service proxy serves', async (t) => {
  await policy('{ simple: PASSTHROUGH }');
  const counts = names(await many(10, 2, () => get()));
  t.same(counts, { vip: 10 });
});
