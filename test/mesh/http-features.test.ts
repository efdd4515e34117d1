// The rest of the VirtualService HTTP surface: mirror, rewrite, redirect,
// direct response, header operations, CORS; ServiceEntry MESH_EXTERNAL; and
// config changes reaching a running sidecar.

import t from 'tap';
import { startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import type { Sidecar } from '../../mesh/index.ts';
import type { Backend, ClientResponse } from './fixtures.ts';
import { converged, destroyAgents, fromYaml, many, pod, service, startBackend, viaProxy, waitFor } from './fixtures.ts';

const NET = '127.250.5';
const CLIENT = `${NET}.10`;
let sidecar: Sidecar;
const backends: Record<string, Backend> = {};
const config = new StaticConfigSource();

t.before(async () => {
  backends.main = await startBackend('main', `${NET}.20`, 8080, (req, res, body) => {
    const out = JSON.stringify({ name: 'main', path: req.url, host: req.headers.host, headers: req.headers, body });
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes', 'x-drop-me': '1' });
    res.end(out);
  });
  backends.shadow = await startBackend('shadow', `${NET}.21`, 8080);
  backends.external = await startBackend('external', `${NET}.30`, 9443);
  config.apply(
    pod('client', CLIENT, { app: 'client' }),
    pod('main', `${NET}.20`, { app: 'main' }, { meshed: false, ports: [8080] }),
    pod('shadow', `${NET}.21`, { app: 'shadow' }, { meshed: false, ports: [8080] }),
    service('main', { app: 'main' }, [{ port: 8080 }]),
    service('shadow', { app: 'shadow' }, [{ port: 8080 }]),
  );
  sidecar = await startSidecar({ identity: { kind: 'sidecar', name: 'client', namespace: 'default', labels: { app: 'client' } }, podIp: CLIENT, config });
});

t.teardown(async () => {
  destroyAgents();
  await sidecar.close();
  for (const b of Object.values(backends)) await b.close();
});

function get(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<ClientResponse> {
  return viaProxy({ host: CLIENT, port: 15001 }, url, options);
}

async function vs(http: string, host = 'main'): Promise<void> {
  config.apply(...fromYaml(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${host} }
spec:
  hosts: [${host}]
  http:
${http}
`));
  await converged(sidecar, config);
}

t.test('mirror sends copies (responses discarded) at mirrorPercentage', async (t) => {
  await vs(`  - route: [{ destination: { host: main } }]
    mirror: { host: shadow }
    mirrorPercentage: { value: 100 }`);
  const res = await get('http://main:8080/m?x=1', { method: 'POST', body: 'payload' });
  t.equal(JSON.parse(res.body).name, 'main', 'the caller gets the primary response');
  await waitFor(() => backends.shadow!.hits === 1, 3000, 'mirror copy');
  const copy = backends.shadow!.requests[0]!;
  t.equal(copy.url, '/m?x=1');
  t.equal(copy.method, 'POST');
  t.equal(copy.body, 'payload');
  t.equal(copy.headers.host, 'main-shadow', 'authority gets the -shadow suffix');

  await vs(`  - route: [{ destination: { host: main } }]
    mirror: { host: shadow }
    mirrorPercentage: { value: 0 }`);
  const before = backends.shadow!.hits;
  await many(20, 4, () => get('http://main:8080/'));
  t.equal(backends.shadow!.hits, before, '0% mirrors nothing');
});

t.test('rewrite uri and authority', async (t) => {
  await vs(`  - match: [{ uri: { prefix: /old } }]
    rewrite: { uri: /new, authority: main.internal }
    route: [{ destination: { host: main } }]
  - match: [{ uri: { exact: /exact } }]
    rewrite: { uri: /replaced }
    route: [{ destination: { host: main } }]`);
  const a = JSON.parse((await get('http://main:8080/old/thing?q=1')).body);
  t.equal(a.path, '/new/thing?q=1', 'prefix replaced, rest and query kept');
  t.equal(a.host, 'main.internal');
  t.equal(JSON.parse((await get('http://main:8080/exact')).body).path, '/replaced');
});

t.test('redirect and direct response come from the proxy', async (t) => {
  await vs(`  - match: [{ uri: { prefix: /moved } }]
    redirect: { uri: /elsewhere, authority: other.example, redirectCode: 302 }
  - match: [{ uri: { prefix: /teapot } }]
    directResponse: { status: 418, body: { string: "short and stout" } }
  - route: [{ destination: { host: main } }]`);
  const before = backends.main!.hits;
  const r = await get('http://main:8080/moved?a=b');
  t.equal(r.status, 302);
  t.equal(r.headers.location, 'http://other.example/elsewhere?a=b');
  const d = await get('http://main:8080/teapot');
  t.equal(d.status, 418);
  t.equal(d.body, 'short and stout');
  t.equal(backends.main!.hits, before, 'neither reached the backend');
});

t.test('request and response header operations (route and destination level)', async (t) => {
  await vs(`  - headers:
      request: { set: { x-set: one }, add: { x-added: two }, remove: [x-secret] }
      response: { set: { x-resp: three }, remove: [x-drop-me] }
    route:
    - destination: { host: main }
      headers: { request: { set: { x-dest: four } }, response: { add: { x-dest-resp: five } } }`);
  const r = await get('http://main:8080/h', { headers: { 'x-secret': 'hide', 'x-set': 'old', 'x-added': 'first' } });
  const seen = JSON.parse(r.body).headers;
  t.equal(seen['x-set'], 'one');
  t.equal(seen['x-added'], 'first, two', 'add appends');
  t.equal(seen['x-secret'], undefined);
  t.equal(seen['x-dest'], 'four');
  t.equal(r.headers['x-resp'], 'three');
  t.equal(r.headers['x-dest-resp'], 'five');
  t.equal(r.headers['x-upstream'], 'yes');
  t.equal(r.headers['x-drop-me'], undefined);
});

t.test('corsPolicy answers preflights and decorates allowed origins', async (t) => {
  await vs(`  - corsPolicy:
      allowOrigins: [{ exact: "https://app.example" }, { regex: "https://.*\\\\.trusted\\\\.example" }]
      allowMethods: [GET, POST]
      allowHeaders: [x-token]
      exposeHeaders: [x-upstream]
      maxAge: 24h
      allowCredentials: true
    route: [{ destination: { host: main } }]`);
  const before = backends.main!.hits;
  const pre = await get('http://main:8080/c', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
  t.equal(pre.status, 200);
  t.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
  t.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
  t.equal(pre.headers['access-control-max-age'], '86400');
  t.equal(backends.main!.hits, before, 'preflight answered by the proxy');
  const simple = await get('http://main:8080/c', { headers: { origin: 'https://a.trusted.example' } });
  t.equal(simple.headers['access-control-allow-origin'], 'https://a.trusted.example');
  t.equal(simple.headers['access-control-expose-headers'], 'x-upstream');
  const denied = await get('http://main:8080/c', { headers: { origin: 'https://evil.example' } });
  t.equal(denied.headers['access-control-allow-origin'], undefined);
});

t.test('ServiceEntry MESH_EXTERNAL hosts are routable, with a VirtualService on top', async (t) => {
  config.apply(...fromYaml(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: external-api }
spec:
  hosts: [api.external.test]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP, targetPort: 9443 }]
  endpoints: [{ address: ${NET}.30 }]
`));
  await converged(sidecar, config);
  const r = await get('http://api.external.test/v1');
  t.equal(r.status, 200);
  t.equal(JSON.parse(r.body).name, 'external');
  await vs(`  - fault: { abort: { httpStatus: 451, percentage: { value: 100 } } }
    route: [{ destination: { host: api.external.test } }]`, 'api.external.test');
  t.equal((await get('http://api.external.test/v1')).status, 451, 'VirtualService applies to the external host');
});

t.test('unknown hosts: loopback passes through, others are refused with NR', async (t) => {
  const r = await get(`http://${NET}.20:8080/direct`);
  t.equal(JSON.parse(r.body).name, 'main', 'loopback address passes through');
  const refused = await get('http://not-in-mesh.example/');
  t.equal(refused.status, 502);
});

t.test('a config change reaches the running sidecar (timing is checked in config-watch.test.ts)', async (t) => {
  await vs('  - route: [{ destination: { host: main } }]');
  await vs('  - directResponse: { status: 299 }\n    route: [{ destination: { host: main } }]');
  t.equal((await get('http://main:8080/')).status, 299);
});
