// Gateways and their VirtualServices merge as Istio merges them: every Gateway
// selecting the ingress feeds one listener, and all VirtualServices bound to
// it for one host form one virtual host, routes oldest object first. Istio's
// own helloworld-gateway.yaml next to bookinfo-gateway.yaml (both host "*")
// must serve /hello and /productpage alike.

import t from 'tap';
import { compileProxyConfig, DEFAULT_GATEWAY_IDENTITY, explainRequest, meshInputsFromObjects, startIngressGateway, StaticConfigSource } from '../../mesh/index.ts';
import { istioSample } from '../helpers/reference.ts';
import { destroyAgents, fromYaml, pod, send, service, startBackend } from './fixtures.ts';

const NET = '127.250.38';

const SAMPLES = [...fromYaml(istioSample('bookinfo/networking/bookinfo-gateway.yaml')), ...fromYaml(istioSample('helloworld/helloworld-gateway.yaml'))];
const BACKENDS = [
  pod('productpage-v1-abc12-xyz12', `${NET}.11`, { app: 'productpage' }, { ports: [9080], meshed: false }),
  pod('helloworld-v1-abc12-xyz12', `${NET}.12`, { app: 'helloworld' }, { ports: [5000], meshed: false }),
  service('productpage', { app: 'productpage' }, [{ port: 9080 }]),
  service('helloworld', { app: 'helloworld' }, [{ port: 5000 }]),
];

t.test('helloworld-gateway next to bookinfo-gateway: one "*" host with both VirtualServices', async (t) => {
  const table = compileProxyConfig(meshInputsFromObjects([...BACKENDS, ...SAMPLES]), DEFAULT_GATEWAY_IDENTITY);
  const star = table.gatewayHosts.find((h) => h.domain === '*');
  t.same(star?.origins, ['VirtualService default/bookinfo', 'VirtualService default/helloworld'], 'merged, oldest first');
  t.same(table.gatewayServers.map((s) => `${s.gateway}:${s.port}`), ['default/bookinfo-gateway:8080', 'default/helloworld-gateway:80'], 'both Gateways feed the listener');
  const hello = explainRequest(table, { url: 'http://gateway.example/hello' });
  t.equal(hello.matched?.origin, 'VirtualService default/helloworld');
  t.match(hello.outcome, /routed to helloworld\.default:5000/);
  const page = explainRequest(table, { url: 'http://gateway.example/productpage' });
  t.equal(page.matched?.origin, 'VirtualService default/bookinfo');
  t.same(hello.virtualServices, ['VirtualService default/bookinfo', 'VirtualService default/helloworld'], 'explain names every merged VirtualService');
});

t.test('VirtualServices bound to one gateway for one host merge in creation order', async (t) => {
  // "late" is listed first but created later: its catch-all must come after "early"'s /a rule.
  const objs = fromYaml(`
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: shop-gateway }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["shop.example"] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: late, creationTimestamp: "2026-02-01T00:00:00Z" }
spec:
  hosts: [shop.example]
  gateways: [shop-gateway]
  http: [{ route: [{ destination: { host: helloworld } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: early, creationTimestamp: "2026-01-15T00:00:00Z" }
spec:
  hosts: [shop.example]
  gateways: [shop-gateway]
  http: [{ match: [{ uri: { exact: /a } }], route: [{ destination: { host: productpage } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: any-host }
spec:
  hosts: ["*"]
  gateways: [helloworld-gateway]
  http: [{ match: [{ uri: { exact: /only-on-star } }], route: [{ destination: { host: helloworld } }] }]
`);
  const table = compileProxyConfig(meshInputsFromObjects([...BACKENDS, ...SAMPLES, ...objs]), DEFAULT_GATEWAY_IDENTITY);
  t.same(table.gatewayHosts.find((h) => h.domain === 'shop.example')?.origins, ['VirtualService default/early', 'VirtualService default/late']);
  t.equal(explainRequest(table, { url: 'http://shop.example/a' }).matched?.origin, 'VirtualService default/early', '/a: the older VirtualService\'s rule first');
  t.equal(explainRequest(table, { url: 'http://shop.example/b' }).matched?.origin, 'VirtualService default/late', '/b: the newer one is not ignored');
  t.equal(explainRequest(table, { url: 'http://shop.example/only-on-star' }).matched?.origin, 'VirtualService default/late', 'the most specific host wins; "*" routes do not apply to shop.example');
  t.equal(explainRequest(table, { url: 'http://other.example/only-on-star' }).matched?.origin, 'VirtualService default/any-host', 'three VirtualServices share "*"');
});

t.test('a real ingress gateway serves both samples', async (t) => {
  const productpage = await startBackend('productpage', `${NET}.11`, 9080);
  const helloworld = await startBackend('helloworld', `${NET}.12`, 5000);
  const config = new StaticConfigSource();
  config.apply(...BACKENDS, ...SAMPLES);
  const gateway = await startIngressGateway({ config });
  t.teardown(async () => {
    destroyAgents();
    await gateway.close();
    await productpage.close();
    await helloworld.close();
  });
  const hello = await send({ host: '127.0.0.1', port: gateway.port, path: '/hello' });
  t.equal(hello.status, 200, hello.body);
  t.equal(JSON.parse(hello.body).name, 'helloworld');
  const page = await send({ host: '127.0.0.1', port: gateway.port, path: '/productpage' });
  t.equal(page.status, 200, page.body);
  t.equal(JSON.parse(page.body).name, 'productpage');
});

t.test('sidecars do not merge: the most specific, then same-namespace, then oldest VirtualService wins', async (t) => {
  const objs = fromYaml(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: newer, creationTimestamp: "2026-02-01T00:00:00Z" }
spec:
  hosts: [helloworld]
  http: [{ match: [{ uri: { prefix: /newer } }], route: [{ destination: { host: helloworld } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: older, creationTimestamp: "2026-01-15T00:00:00Z" }
spec:
  hosts: [helloworld]
  http: [{ match: [{ uri: { prefix: /older } }], route: [{ destination: { host: helloworld } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: everything, creationTimestamp: "2026-01-01T00:00:00Z" }
spec:
  hosts: ["*.default.svc.cluster.local"]
  http: [{ route: [{ destination: { host: productpage } }] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: oldest-elsewhere, namespace: team-b, creationTimestamp: "2025-12-01T00:00:00Z" }
spec:
  hosts: [helloworld.default.svc.cluster.local]
  http: [{ route: [{ destination: { host: productpage.default.svc.cluster.local } }] }]
`);
  const inputs = meshInputsFromObjects([...BACKENDS, ...objs]);
  const sidecar = compileProxyConfig(inputs, { kind: 'sidecar', name: 'client', namespace: 'default', labels: {} });
  t.same(sidecar.virtualHosts.get('helloworld.default.svc.cluster.local:5000')?.virtualServices, ['VirtualService default/older'], 'the oldest of two for one host, alone');
  t.equal(explainRequest(sidecar, { url: 'http://helloworld:5000/newer' }).matched, undefined, 'the newer one is ignored, as Istio ignores it');
  t.ok(sidecar.warnings.some((w) => w.startsWith('VirtualService default/newer: ignored for helloworld.default.svc.cluster.local on sidecars')), sidecar.warnings.join('\n'));
  t.same(sidecar.virtualHosts.get('productpage.default.svc.cluster.local:9080')?.virtualServices, ['VirtualService default/everything'], 'a wildcard applies where no exact host competes');
  const elsewhere = compileProxyConfig(inputs, { kind: 'sidecar', name: 'client', namespace: 'team-b', labels: {} });
  t.same(elsewhere.virtualHosts.get('helloworld.default.svc.cluster.local:5000')?.virtualServices, ['VirtualService team-b/oldest-elsewhere'], 'from team-b its own VirtualService wins');
  t.ok(sidecar.warnings.some((w) => w.startsWith('VirtualService team-b/oldest-elsewhere: ignored')), 'from default, default/older wins over the older team-b one');
});
