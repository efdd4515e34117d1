import t from 'tap';
import { startIngressGateway, startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import { DEFAULT_GATEWAY_IDENTITY } from '../../mesh/config/identity.ts';
import type { ProxyIdentity } from '../../mesh/config/identity.ts';
import { createAuthorizationCheck, StaticAuthorizationPolicySource } from '../../mesh/security/index.ts';
import { destroyAgents, fromYaml, pod, send, service, startBackend } from '../mesh/fixtures.ts';
import { policy } from './helpers.ts';

const NET = '127.254.8';
const GATEWAY = `${NET}.1`;
const REVIEWS = `${NET}.11`;
const CLIENT_A = `${NET}.21`;
const CLIENT_B = `${NET}.22`;

t.test('the ingress gateway enforces its policies; the sidecar behind it sees the gateway principal', async (t) => {
  const app = await startBackend('reviews-v1', REVIEWS, 9080);
  const config = new StaticConfigSource();
  config.apply(
    pod('reviews-v1-abc12-xyz12', REVIEWS, { app: 'reviews', version: 'v1' }, { ports: [9080] }),
    service('reviews', { app: 'reviews' }, [{ port: 9080, name: 'http' }]),
    ...fromYaml(`
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: web }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web }
spec:
  hosts: ["*"]
  gateways: [web]
  http:
  - route: [{ destination: { host: reviews, port: { number: 9080 } } }]
`),
  );
  const policies = new StaticAuthorizationPolicySource();
  const reviewsIdentity: ProxyIdentity = { kind: 'sidecar', name: 'reviews-v1-abc12-xyz12', namespace: 'default', labels: { app: 'reviews', version: 'v1' } };
  const gatewayAuthz = createAuthorizationCheck({ source: policies, identity: DEFAULT_GATEWAY_IDENTITY, log: () => undefined });
  const reviewsAuthz = createAuthorizationCheck({ source: policies, identity: reviewsIdentity, log: () => undefined });
  const sidecar = await startSidecar({ identity: reviewsIdentity, podIp: REVIEWS, config, authorization: reviewsAuthz });
  const gateway = await startIngressGateway({ host: GATEWAY, config, authorization: gatewayAuthz });
  t.teardown(async () => {
    destroyAgents();
    gatewayAuthz.close();
    reviewsAuthz.close();
    await gateway.close();
    await sidecar.close();
    await app.close();
  });
  const get = (path: string, from = CLIENT_A) => send({ host: GATEWAY, port: gateway.port, path, headers: { host: 'shop.test' }, localAddress: from });

  t.equal((await get('/reviews/0')).status, 200, 'no policies');

  policies.apply(policy('ingress', {
    selector: { matchLabels: { istio: 'ingressgateway' } },
    rules: [{ to: [{ operation: { paths: ['/reviews/*'], hosts: ['shop.test'] } }] }],
  }, 'istio-system'));
  t.equal((await get('/reviews/0')).status, 200, 'allowed path at the gateway');
  const denied = await get('/admin');
  t.equal(denied.status, 403);
  t.equal(denied.body, 'RBAC: access denied');

  policies.apply(policy('block-b', { selector: { matchLabels: { istio: 'ingressgateway' } }, action: 'DENY', rules: [{ from: [{ source: { ipBlocks: [`${CLIENT_B}/32`] } }] }] }, 'istio-system'));
  t.equal((await get('/reviews/0', CLIENT_B)).status, 403, 'client address denied at the gateway');
  t.equal((await get('/reviews/0', CLIENT_A)).status, 200, 'other client still allowed');

  const hits = app.hits;
  policies.apply(policy('reviews-from-gateway', {
    selector: { matchLabels: { app: 'reviews' } },
    rules: [{ from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }] }],
  }));
  t.equal((await get('/reviews/1')).status, 200, 'the sidecar admits the gateway principal');
  policies.apply(policy('reviews-from-gateway', {
    selector: { matchLabels: { app: 'reviews' } },
    rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/productpage'] } }] }],
  }));
  const atSidecar = await get('/reviews/2');
  t.equal(atSidecar.status, 403, 'the sidecar denies the gateway once only productpage is allowed');
  t.equal(atSidecar.body, 'RBAC: access denied');
  t.equal(app.hits, hits + 1, 'denied requests never reach the app');
});
