// The config compiler on its own: host rules, lookups, policies, and every
// Bookinfo networking sample compiling against the Bookinfo services.

import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../control/api/index.ts';
import { compileProxyConfig, lookupServiceHost, meshInputsFromObjects, qualifyHost, parseDurationMs, DEFAULT_GATEWAY_IDENTITY } from '../../mesh/index.ts';
import type { ProxyIdentity } from '../../mesh/index.ts';
import { hostMatches, searchCandidates } from '../../mesh/config/hosts.ts';
import { fromYaml, pod, service } from './fixtures.ts';
import { ISTIO_SAMPLES } from '../helpers/reference.ts';

const SAMPLES = ISTIO_SAMPLES;
const NETWORKING = join(SAMPLES, 'bookinfo/networking');
const productpage: ProxyIdentity = { kind: 'sidecar', name: 'productpage-v1-abc12-xyz12', namespace: 'default', labels: { app: 'productpage', version: 'v1' } };

t.test('host rules', async (t) => {
  const cases: [string, string, string][] = [
    ['reviews', 'default', 'reviews.default.svc.cluster.local'],
    ['reviews.prod', 'default', 'reviews.prod.svc.cluster.local'],
    ['reviews.prod.svc', 'default', 'reviews.prod.svc.cluster.local'],
    ['reviews.prod.svc.cluster.local', 'default', 'reviews.prod.svc.cluster.local'],
    ['*.example.com', 'default', '*.example.com'],
    ['www.googleapis.com', 'default', 'www.googleapis.com'],
    ['Reviews', 'x', 'reviews.x.svc.cluster.local'],
  ];
  for (const [host, ns, want] of cases) t.equal(qualifyHost(host, ns), want, `${host} in ${ns}`);
  t.ok(hostMatches('*.example.com', 'a.example.com'));
  t.notOk(hostMatches('*.example.com', 'example.com'));
  t.ok(hostMatches('*', 'anything'));
  t.same(searchCandidates('reviews', 'ns1'), ['reviews.ns1.svc.cluster.local', 'reviews']);
  const durations: [string, number][] = [['1s', 1000], ['0.5s', 500], ['250ms', 250], ['2m', 120000], ['1h30m', 5400000], ['1.5s', 1500]];
  for (const [text, ms] of durations) t.equal(parseDurationMs(text), ms, text);
  t.equal(parseDurationMs('bogus'), undefined);
});

t.test('a sidecar resolves short names, svc.ns, FQDNs and ClusterIP:port', async (t) => {
  const inputs = meshInputsFromObjects([
    service('reviews', { app: 'reviews' }, [{ port: 9080 }], { clusterIP: '127.96.0.20' }),
    service('reviews', { app: 'reviews' }, [{ port: 9080 }], { namespace: 'other', clusterIP: '127.96.0.21' }),
    pod('reviews-1', '127.250.9.1', { app: 'reviews' }),
  ]);
  const table = compileProxyConfig(inputs, productpage);
  const cases: [string, string | undefined][] = [
    ['reviews:9080', 'reviews.default.svc.cluster.local'],
    ['reviews.other:9080', 'reviews.other.svc.cluster.local'],
    ['reviews.other.svc:9080', 'reviews.other.svc.cluster.local'],
    ['reviews.other.svc.cluster.local:9080', 'reviews.other.svc.cluster.local'],
    ['127.96.0.21:9080', 'reviews.other.svc.cluster.local'],
    ['ratings:9080', undefined],
  ];
  for (const [authority, want] of cases) t.equal(lookupServiceHost(table, authority, 80).service?.fqdn, want, authority);
  t.equal(lookupServiceHost(table, 'reviews:9080', 80).virtualHost?.routes[0]?.origin, 'default', 'no VirtualService → default route');
  const c = table.clusters.get('outbound|9080||reviews.default.svc.cluster.local');
  t.same(c?.endpoints.map((e) => `${e.address}:${e.port}`), ['127.250.9.1:9080'], 'endpoints derived from selected pods when no Endpoints object');
});

t.test('DestinationRule lookup order and policies', async (t) => {
  const objs = fromYaml(`
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: { simple: LEAST_REQUEST }
    connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 2 } }
    outlierDetection: { consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 30s }
  subsets:
  - name: v1
    labels: { version: v1 }
    trafficPolicy:
      loadBalancer: { consistentHash: { httpHeaderName: x-user } }
  - name: v2
    labels: { version: v2 }
`);
  const inputs = meshInputsFromObjects([...objs, service('reviews', { app: 'reviews' }, [{ port: 9080 }]), pod('r1', '127.250.9.1', { app: 'reviews', version: 'v1' }), pod('r2', '127.250.9.2', { app: 'reviews', version: 'v2' })]);
  const table = compileProxyConfig(inputs, productpage);
  const v1 = table.clusters.get('outbound|9080|v1|reviews.default.svc.cluster.local')!;
  const v2 = table.clusters.get('outbound|9080|v2|reviews.default.svc.cluster.local')!;
  t.same(v1.policy.lb, { kind: 'CONSISTENT_HASH', by: 'header', name: 'x-user' }, 'subset policy replaces the load balancer');
  t.equal(v2.policy.lb.kind, 'LEAST_REQUEST');
  t.same(v2.policy.connectionPool, { maxRequests: 1, maxPending: 2, maxRetries: 2 ** 32 - 1, connectTimeoutMs: 10000 });
  t.same(v2.policy.outlier, { consecutive5xx: 3, consecutiveGateway: 0, intervalMs: 1000, baseEjectionMs: 30000, maxEjectionPercent: 10 });
  t.same(v1.endpoints.map((e) => e.address), ['127.250.9.1']);
  t.same(v2.endpoints.map((e) => e.address), ['127.250.9.2']);
});

function loadBookinfo(): KubeObject[] {
  return fromYaml(readFileSync(join(SAMPLES, 'bookinfo/platform/kube/bookinfo.yaml'), 'utf8'));
}

async function istioSchema(kind: string): Promise<((o: unknown) => void) | undefined> {
  const mod = (await import(`@kubernetes-models/istio/networking.istio.io/v1beta1/${kind}`)) as Record<string, new (o: unknown) => { validate(): void }>;
  const Ctor = mod[kind];
  return Ctor ? (o: unknown) => new Ctor(o).validate() : undefined;
}

t.test('every Bookinfo networking sample validates and compiles', async (t) => {
  const files = readdirSync(NETWORKING).filter((f) => f.endsWith('.yaml'));
  t.ok(files.length >= 20, `found ${files.length} sample files`);
  const bookinfo = loadBookinfo();
  const drAll = fromYaml(readFileSync(join(NETWORKING, 'destination-rule-all.yaml'), 'utf8'));
  for (const file of files) {
    const objs = fromYaml(readFileSync(join(NETWORKING, file), 'utf8'));
    t.ok(objs.length > 0, `${file}: parsed`);
    for (const o of objs) {
      const validate = await istioSchema(o.kind);
      t.doesNotThrow(() => validate?.({ ...o, apiVersion: 'networking.istio.io/v1beta1' }), `${file}: ${o.kind} ${o.metadata.name} matches Istio's schema`);
    }
    const inputs = meshInputsFromObjects([...bookinfo, ...drAll, ...objs]);
    const sidecar = compileProxyConfig(inputs, productpage);
    const gateway = compileProxyConfig(inputs, DEFAULT_GATEWAY_IDENTITY);
    for (const vs of objs.filter((o) => o.kind === 'VirtualService')) {
      const spec = vs.spec as { hosts: string[]; gateways?: string[]; http?: unknown[]; tcp?: unknown[] };
      if (spec.gateways?.length) {
        t.ok(gateway.gatewayHosts.some((h) => h.origins.includes(`VirtualService ${vs.metadata.namespace}/${vs.metadata.name}`)), `${file}: ${vs.metadata.name} bound to the ingress gateway`);
        continue;
      }
      for (const host of spec.hosts) {
        const found = lookupServiceHost(sidecar, `${host}:${host.includes('googleapis') ? 80 : 9080}`, 80);
        t.ok(found.virtualHost, `${file}: ${host} has a virtual host`);
        const routes = found.virtualHost!.routes.filter((r) => r.origin === `VirtualService default/${vs.metadata.name}`);
        t.equal(routes.length, spec.http?.length ?? 0, `${file}: all ${spec.http?.length} http rules of ${vs.metadata.name} compiled`);
        for (const r of routes) for (const d of r.destinations) t.ok(sidecar.clusters.has(d.cluster), `${file}: cluster ${d.cluster} exists`);
      }
    }
  }
});

t.test('tcp-echo samples compile to weighted TCP routes on the gateway', async (t) => {
  const services = fromYaml(readFileSync(join(SAMPLES, 'tcp-echo/tcp-echo-services.yaml'), 'utf8'));
  const all = fromYaml(readFileSync(join(SAMPLES, 'tcp-echo/tcp-echo-all-v1.yaml'), 'utf8'));
  const split = fromYaml(readFileSync(join(SAMPLES, 'tcp-echo/tcp-echo-20-v2.yaml'), 'utf8'));
  const table = compileProxyConfig(meshInputsFromObjects([...services, ...all.filter((o) => o.kind !== 'VirtualService'), ...split]), DEFAULT_GATEWAY_IDENTITY);
  t.same(table.gatewayServers.map((s) => `${s.port}/${s.protocol}`), ['31400/TCP']);
  const routes = table.gatewayTcp.get(31400)!;
  t.same(routes[0]!.destinations.map((d) => [d.subset, d.weight, d.port]), [['v1', 80, 9000], ['v2', 20, 9000]]);
});

t.test('namespace scoping, exportTo, wildcards and gateways: [mesh, gw]', async (t) => {
  const objs = [
    service('api', { app: 'api' }, [{ port: 80 }], { namespace: 'team-a' }),
    service('api', { app: 'api' }, [{ port: 80 }], { namespace: 'team-b' }),
    ...fromYaml(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api, namespace: team-a }
spec:
  hosts: [api]
  http: [{ directResponse: { status: 201 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api-private, namespace: team-b }
spec:
  hosts: [api]
  exportTo: ["."]
  http: [{ directResponse: { status: 202 } }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: wild, namespace: team-a }
spec:
  hosts: ["*.wild.test"]
  ports: [{ number: 80, name: http }]
  resolution: NONE
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: both, namespace: team-a }
spec:
  hosts: ["*.wild.test"]
  gateways: [mesh, istio-system/edge]
  http: [{ directResponse: { status: 203 } }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, protocol: HTTP }, hosts: ["team-a/*.wild.test"] }]
`),
  ];
  const inputs = meshInputsFromObjects(objs);
  const inA = compileProxyConfig(inputs, { kind: 'sidecar', name: 'p', namespace: 'team-a', labels: {} });
  const inB = compileProxyConfig(inputs, { kind: 'sidecar', name: 'p', namespace: 'team-b', labels: {} });
  const inC = compileProxyConfig(inputs, { kind: 'sidecar', name: 'p', namespace: 'team-c', labels: {} });
  const status = (tb: typeof inA, authority: string) => lookupServiceHost(tb, authority, 80).virtualHost?.routes[0]?.directResponse?.status;
  t.equal(status(inA, 'api'), 201, 'short name in team-a → team-a/api and its VirtualService');
  t.equal(status(inB, 'api'), 202, 'short name in team-b → team-b/api; exportTo "." is visible at home');
  t.equal(status(inC, 'api.team-b'), undefined, 'exportTo "." hides it from team-c (default route instead)');
  t.equal(lookupServiceHost(inC, 'api.team-b', 80).virtualHost?.routes[0]?.origin, 'default');
  t.equal(status(inC, 'api.team-a.svc.cluster.local'), 201);
  t.equal(status(inC, 'x.wild.test'), 203, 'wildcard ServiceEntry + wildcard VirtualService on the mesh');
  const gw = compileProxyConfig(inputs, DEFAULT_GATEWAY_IDENTITY);
  t.same([...new Set(gw.gatewayHosts.flatMap((h) => h.origins))], ['VirtualService team-a/both'], 'bound to the gateway too; team-a/ host admitted');
});

t.test('proxies of one namespace share one compiled table per snapshot, each with its own identity', async (t) => {
  const inputs = meshInputsFromObjects([
    service('web', { app: 'web' }, [{ port: 80 }]),
    pod('web-1', '127.250.9.11', { app: 'web', version: 'v1' }),
    pod('web-2', '127.250.9.12', { app: 'web', version: 'v2' }),
  ]);
  const a = compileProxyConfig(inputs, { kind: 'sidecar', name: 'web-1', namespace: 'default', labels: { app: 'web' }, ip: '127.250.9.11' });
  const b = compileProxyConfig(inputs, { kind: 'sidecar', name: 'web-2', namespace: 'default', labels: { app: 'web' }, ip: '127.250.9.12' });
  const c = compileProxyConfig(inputs, { kind: 'sidecar', name: 'x', namespace: 'other', labels: {} });
  t.equal(a.virtualHosts, b.virtualHosts, 'same namespace → same compiled routes');
  t.not(a.virtualHosts, c.virtualHosts, 'another namespace compiles its own');
  t.equal(a.self.version, 'v1');
  t.equal(b.self.version, 'v2');
  t.equal(a.inboundServices.get(80)?.service.fqdn, 'web.default.svc.cluster.local');
  t.equal(c.inboundServices.size, 0);
});
