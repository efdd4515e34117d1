import t from 'tap';
import type { Test } from 'tap';
import { startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import type { Sidecar } from '../../mesh/index.ts';
import type { ProxyIdentity } from '../../mesh/config/identity.ts';
import { createAuthorizationCheck, StaticAuthorizationPolicySource } from '../../mesh/security/index.ts';
import { destroyAgents, pod, send, service, startBackend, viaProxy } from '../mesh/fixtures.ts';
import { policy } from './helpers.ts';

const NET = '127.254.7';
const PRODUCTPAGE = `${NET}.10`;
const SLEEP = `${NET}.12`;
const REVIEWS = `${NET}.11`;
const STRANGER = `${NET}.13`;

t.test('AuthorizationPolicy enforced by a real server sidecar, live updates', async (t) => {
  const app = await startBackend('reviews-v1', REVIEWS, 9080);
  const config = new StaticConfigSource({
    pods: [
      pod('productpage-v1-abc12-xyz12', PRODUCTPAGE, { app: 'productpage' }, { serviceAccount: 'bookinfo-productpage' }),
      pod('sleep-abc12-xyz12', SLEEP, { app: 'sleep' }, { serviceAccount: 'sleep' }),
      pod('reviews-v1-abc12-xyz12', REVIEWS, { app: 'reviews', version: 'v1' }, { ports: [9080], serviceAccount: 'bookinfo-reviews' }),
    ],
    services: [service('reviews', { app: 'reviews' }, [{ port: 9080 }])],
  });
  const policies = new StaticAuthorizationPolicySource();
  const reviewsIdentity: ProxyIdentity = { kind: 'sidecar', name: 'reviews-v1-abc12-xyz12', namespace: 'default', labels: { app: 'reviews', version: 'v1' }, serviceAccount: 'bookinfo-reviews' };
  const authorization = createAuthorizationCheck({ source: policies, identity: reviewsIdentity, log: () => undefined });
  const sidecars: Sidecar[] = [];
  t.teardown(async () => {
    destroyAgents();
    authorization.close();
    await Promise.all(sidecars.map((s) => s.close()));
    await app.close();
  });
  const productpageIdentity: ProxyIdentity = { kind: 'sidecar', name: 'productpage-v1-abc12-xyz12', namespace: 'default', labels: { app: 'productpage' } };
  const productpageAuthz = createAuthorizationCheck({ source: policies, identity: productpageIdentity, log: () => undefined });
  t.teardown(() => productpageAuthz.close());
  const clientSidecar = (name: string, ip: string, app: string): Promise<Sidecar> =>
    startSidecar({ identity: { kind: 'sidecar', name, namespace: 'default', labels: { app } }, podIp: ip, config });
  sidecars.push(await startSidecar({ identity: productpageIdentity, podIp: PRODUCTPAGE, config, authorization: productpageAuthz }));
  sidecars.push(await clientSidecar('sleep-abc12-xyz12', SLEEP, 'sleep'));
  const server = await startSidecar({ identity: reviewsIdentity, podIp: REVIEWS, config, authorization });
  sidecars.push(server);

  const from = (ip: string, path: string, method = 'GET') => viaProxy({ host: ip, port: 15001 }, `http://reviews:9080${path}`, { method });
  /** A client that is no pod, talking straight to the inbound listener. */
  const stranger = (path: string) => send({ host: REVIEWS, port: server.inboundPort, path, headers: { host: 'reviews:9080', 'x-meshlet-original-port': '9080' }, localAddress: STRANGER });
  const expectDenied = (t: Test, res: { status: number; body: string }, what: string): void => {
    t.equal(res.status, 403, `${what}: 403`);
    t.equal(res.body, 'RBAC: access denied', `${what}: RBAC body`);
  };

  await t.test('no policy: everyone is allowed', async (t) => {
    t.equal((await from(PRODUCTPAGE, '/reviews/0')).status, 200);
    t.equal((await from(SLEEP, '/reviews/0')).status, 200);
    t.equal((await stranger('/reviews/0')).status, 200);
  });

  await t.test('ALLOW productpage on /reviews/*: others and other paths are denied', async (t) => {
    policies.apply(policy('reviews-viewer', {
      selector: { matchLabels: { app: 'reviews' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/bookinfo-productpage'] } }], to: [{ operation: { methods: ['GET'], paths: ['/reviews/*'] } }] }],
    }));
    const hitsBefore = app.hits;
    const ok = await from(PRODUCTPAGE, '/reviews/0');
    t.equal(ok.status, 200, ok.body);
    t.same(JSON.parse(ok.body), { name: 'reviews-v1', path: '/reviews/0' });
    expectDenied(t, await from(SLEEP, '/reviews/0'), 'sleep (other principal)');
    expectDenied(t, await from(PRODUCTPAGE, '/admin'), 'productpage on /admin');
    expectDenied(t, await from(PRODUCTPAGE, '/reviews/0', 'POST'), 'productpage POST');
    expectDenied(t, await stranger('/reviews/0'), 'unidentified source');
    t.equal(app.hits, hitsBefore + 1, 'denied requests never reach the app');
  });

  await t.test('DENY beats ALLOW, applied without restarting the sidecar', async (t) => {
    policies.apply(policy('no-secrets', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/reviews/secret*'] } }] }] }));
    expectDenied(t, await from(PRODUCTPAGE, '/reviews/secret-1'), 'productpage on a denied path');
    t.equal((await from(PRODUCTPAGE, '/reviews/1')).status, 200);
  });

  await t.test('switching to allow-all lets everyone back in', async (t) => {
    policies.remove(policy('no-secrets', {}));
    policies.apply(policy('reviews-viewer', { action: 'ALLOW', rules: [{}] }));
    t.equal((await from(SLEEP, '/reviews/0')).status, 200);
    t.equal((await stranger('/admin')).status, 200);
    t.equal((await from(PRODUCTPAGE, '/reviews/secret-1')).status, 200);
  });

  await t.test('a mesh-wide deny-all in the root namespace', async (t) => {
    policies.apply(policy('deny-all', { action: 'DENY', rules: [{}] }, 'istio-system'));
    expectDenied(t, await from(PRODUCTPAGE, '/reviews/0'), 'productpage under deny-all');
    policies.remove(policy('deny-all', {}, 'istio-system'));
    t.equal((await from(PRODUCTPAGE, '/reviews/0')).status, 200);
  });

  await t.test('a sidecar does not enforce its own policies on its outbound requests', async (t) => {
    policies.apply(policy('productpage-deny-all', { selector: { matchLabels: { app: 'productpage' } }, action: 'DENY', rules: [{}] }));
    t.same(productpageAuthz.applicable(), { deny: ['default/productpage-deny-all'], allow: ['default/reviews-viewer'], audit: [] });
    t.same(authorization.applicable(), { deny: [], allow: ['default/reviews-viewer'], audit: [] });
    t.equal((await from(PRODUCTPAGE, '/reviews/0')).status, 200);
  });
});
