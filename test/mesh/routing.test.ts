// VirtualService HTTP routing end to end through a real sidecar: every match
// kind, first match wins (weighted splits: weights-*.test.ts).

import t from 'tap';
import { startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import type { Sidecar } from '../../mesh/index.ts';
import type { Backend, ClientResponse } from './fixtures.ts';
import { converged, destroyAgents, fromYaml, pod, service, startBackend, viaProxy } from './fixtures.ts';

const NET = '127.250.2';
const CLIENT = `${NET}.10`;
const VERSIONS = ['v1', 'v2', 'v3'] as const;

const DR = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: echo }
spec:
  host: echo
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
  - { name: v3, labels: { version: v3 } }
`;

const MATCHES = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: echo }
spec:
  hosts: [echo]
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: echo, subset: v2 } }]
  - match: [{ uri: { exact: /exact } }]
    route: [{ destination: { host: echo, subset: v3 } }]
  - match: [{ uri: { prefix: /prefix } }]
    route: [{ destination: { host: echo, subset: v2 } }]
  - match: [{ uri: { regex: "/re/[0-9]+" } }]
    route: [{ destination: { host: echo, subset: v3 } }]
  - match: [{ method: { exact: POST } }]
    route: [{ destination: { host: echo, subset: v2 } }]
  - match: [{ authority: { prefix: echo.default } }]
    route: [{ destination: { host: echo, subset: v3 } }]
  - match: [{ queryParams: { q: { exact: "yes" } } }]
    route: [{ destination: { host: echo, subset: v2 } }]
  - match: [{ uri: { prefix: /without }, withoutHeaders: { x-keep: { exact: v1 } } }]
    route: [{ destination: { host: echo, subset: v3 } }]
  - match: [{ uri: { exact: /CASE }, ignoreUriCase: true }]
    route: [{ destination: { host: echo, subset: v2 } }]
  - match: [{ uri: { prefix: /src }, sourceLabels: { app: client } }]
    route: [{ destination: { host: echo, subset: v3 } }]
  - match: [{ uri: { prefix: /other-src }, sourceLabels: { app: other } }]
    route: [{ destination: { host: echo, subset: v2 } }]
  - match: [{ uri: { prefix: /ns }, sourceNamespace: default }]
    route: [{ destination: { host: echo, subset: v2 } }]
  - match: [{ uri: { prefix: /port }, port: 8080 }]
    route: [{ destination: { host: echo, subset: v3 } }]
  - match: [{ uri: { prefix: /wrong-port }, port: 9999 }]
    route: [{ destination: { host: echo, subset: v2 } }]
  - match: [{ headers: { x-re: { regex: "a.+z" } } }, { headers: { x-pre: { prefix: ab } } }]
    route: [{ destination: { host: echo, subset: v3 } }]
  - route: [{ destination: { host: echo, subset: v1 } }]
`;

let sidecar: Sidecar;
const backends: Backend[] = [];
const config = new StaticConfigSource();

t.before(async () => {
  for (const [i, v] of VERSIONS.entries()) backends.push(await startBackend(`echo-${v}`, `${NET}.${11 + i}`, 8080));
  config.apply(
    pod('client-7d4b9-abcde', CLIENT, { app: 'client' }),
    ...VERSIONS.map((v, i) => pod(`echo-${v}-5f6d7-a${i}b${i}c`, `${NET}.${11 + i}`, { app: 'echo', version: v }, { meshed: false, ports: [8080] })),
    service('echo', { app: 'echo' }, [{ port: 8080 }]),
    ...fromYaml(DR),
  );
  sidecar = await startSidecar({ identity: { kind: 'sidecar', name: 'client-7d4b9-abcde', namespace: 'default', labels: { app: 'client' } }, podIp: CLIENT, config });
});

t.teardown(async () => {
  destroyAgents();
  await sidecar.close();
  for (const b of backends) await b.close();
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET', authority = 'echo:8080'): Promise<ClientResponse> {
  return viaProxy({ host: CLIENT, port: 15001 }, `http://${authority}${path}`, { method, headers, body: method === 'POST' ? 'x' : undefined });
}

t.test('each match kind routes to its subset; first match wins', async (t) => {
  config.apply(...fromYaml(MATCHES));
  await converged(sidecar, config);
  const cases: { what: string; path: string; headers?: Record<string, string>; method?: string; authority?: string; want: string }[] = [
    { what: 'header exact', path: '/exact', headers: { 'end-user': 'jason' }, want: 'v2' },
    { what: 'uri exact', path: '/exact', want: 'v3' },
    { what: 'uri exact is not a prefix', path: '/exact/more', want: 'v1' },
    { what: 'uri prefix', path: '/prefix/a?b=c', want: 'v2' },
    { what: 'uri regex', path: '/re/123', want: 'v3' },
    { what: 'uri regex is anchored', path: '/re/12a', want: 'v1' },
    { what: 'method', path: '/anything', method: 'POST', want: 'v2' },
    { what: 'authority', path: '/a', authority: 'echo.default:8080', want: 'v3' },
    { what: 'query param', path: '/a?q=yes', want: 'v2' },
    { what: 'query param mismatch', path: '/a?q=no', want: 'v1' },
    { what: 'withoutHeaders (absent)', path: '/without', want: 'v3' },
    { what: 'withoutHeaders (present)', path: '/without', headers: { 'x-keep': 'v1' }, want: 'v1' },
    { what: 'ignoreUriCase', path: '/case', want: 'v2' },
    { what: 'sourceLabels match', path: '/src', want: 'v3' },
    { what: 'sourceLabels mismatch', path: '/other-src', want: 'v1' },
    { what: 'sourceNamespace', path: '/ns', want: 'v2' },
    { what: 'port', path: '/port', want: 'v3' },
    { what: 'port mismatch drops the rule', path: '/wrong-port', want: 'v1' },
    { what: 'header regex (block 1)', path: '/h', headers: { 'x-re': 'abcz' }, want: 'v3' },
    { what: 'header prefix (block 2, OR)', path: '/h', headers: { 'x-pre': 'abc' }, want: 'v3' },
    { what: 'header regex mismatch', path: '/h', headers: { 'x-re': 'az' }, want: 'v1' },
    { what: 'catch-all', path: '/', want: 'v1' },
  ];
  for (const c of cases) {
    const res = await get(c.path, c.headers, c.method, c.authority);
    t.equal(res.status, 200, `${c.what}: status`);
    t.equal(JSON.parse(res.body).name, `echo-${c.want}`, c.what);
  }
});
