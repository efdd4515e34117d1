import t from 'tap';
import type { KubeObject } from '../../control/api/index.ts';
import type { AuthorizationPolicySpec } from '../../control/api/istio.ts';
import type { ProxyIdentity } from '../../mesh/config/identity.ts';
import { createAuthorizationCheck, StaticAuthorizationPolicySource } from '../../mesh/security/index.ts';
import type { RequestShape } from './helpers.ts';
import { policy, request, SERVER } from './helpers.ts';

function decide(policies: KubeObject[], shape: RequestShape, identity: ProxyIdentity = SERVER, log: string[] = []): boolean {
  const check = createAuthorizationCheck({ source: new StaticAuthorizationPolicySource(policies), identity, log: (l) => log.push(l) });
  const verdict = check.check(request(shape));
  check.close();
  return verdict.allowed;
}

/** One ALLOW policy with one rule: allowed iff the rule matches. */
const allowIf = (rule: NonNullable<AuthorizationPolicySpec['rules']>[number]): KubeObject[] => [policy('p', { action: 'ALLOW', rules: [rule] })];

interface Row {
  name: string;
  policies: KubeObject[];
  req?: RequestShape;
  identity?: ProxyIdentity;
  allowed: boolean;
}

const rows: Row[] = [
  // Whole-policy shapes (Istio's allow-nothing / deny-all / allow-all examples).
  { name: 'no policies: allow', policies: [], allowed: true },
  { name: 'allow-nothing: spec {}', policies: [policy('allow-nothing', {})], allowed: false },
  { name: 'allow-nothing: ALLOW with rules []', policies: [policy('p', { action: 'ALLOW', rules: [] })], allowed: false },
  { name: 'allow-all: ALLOW rules [{}]', policies: [policy('p', { action: 'ALLOW', rules: [{}] })], allowed: true },
  { name: 'deny-all: DENY rules [{}]', policies: [policy('p', { action: 'DENY', rules: [{}] })], allowed: false },
  { name: 'DENY without rules matches nothing', policies: [policy('p', { action: 'DENY' })], allowed: true },
  { name: 'DENY beats ALLOW', policies: [policy('a', { rules: [{}] }), policy('d', { action: 'DENY', rules: [{}] })], allowed: false },
  { name: 'allow-all beside allow-nothing: allowed', policies: [policy('a', { rules: [{}] }), policy('n', {})], allowed: true },
  { name: 'AUDIT has no effect', policies: [policy('p', { action: 'AUDIT', rules: [{}] })], allowed: true },
  { name: 'AUDIT beside allow-nothing still denies', policies: [policy('p', { action: 'AUDIT', rules: [{}] }), policy('n', {})], allowed: false },
  { name: 'CUSTOM is ignored', policies: [policy('p', { action: 'CUSTOM', provider: { name: 'ext' }, rules: [{}] })], allowed: true },
  // Scope: namespaces and selectors.
  { name: 'policy in another namespace does not apply', policies: [policy('n', {}, 'other')], allowed: true },
  { name: 'root-namespace policy applies mesh-wide', policies: [policy('n', {}, 'istio-system')], allowed: false },
  { name: 'root-namespace DENY applies mesh-wide', policies: [policy('d', { action: 'DENY', rules: [{}] }, 'istio-system')], allowed: false },
  { name: 'selector matching the workload applies', policies: [policy('n', { selector: { matchLabels: { app: 'reviews' } } })], allowed: false },
  { name: 'selector with all labels matching applies', policies: [policy('n', { selector: { matchLabels: { app: 'reviews', version: 'v1' } } })], allowed: false },
  { name: 'selector not matching does not apply', policies: [policy('n', { selector: { matchLabels: { app: 'ratings' } } })], allowed: true },
  { name: 'selector partly matching does not apply', policies: [policy('n', { selector: { matchLabels: { app: 'reviews', version: 'v2' } } })], allowed: true },
  { name: 'ALLOW for another workload does not restrict this one', policies: [policy('a', { selector: { matchLabels: { app: 'ratings' } }, rules: [{}] })], allowed: true },
  { name: 'outbound traffic of a sidecar is not checked', policies: [policy('n', {})], req: { direction: 'outbound' }, allowed: true },
  { name: 'unsupported targetRef kind: policy not applied', policies: [policy('n', { targetRef: { kind: 'Frobnicator', name: 'x' } })], allowed: true },
  // from.source fields.
  { name: 'principals exact', policies: allowIf({ from: [{ source: { principals: ['cluster.local/ns/default/sa/bookinfo-productpage'] } }] }), allowed: true },
  { name: 'principals with spiffe:// prefix', policies: allowIf({ from: [{ source: { principals: ['spiffe://cluster.local/ns/default/sa/bookinfo-productpage'] } }] }), allowed: true },
  { name: 'principals other SA', policies: allowIf({ from: [{ source: { principals: ['cluster.local/ns/default/sa/sleep'] } }] }), allowed: false },
  { name: 'principals values OR', policies: allowIf({ from: [{ source: { principals: ['cluster.local/ns/default/sa/sleep', 'cluster.local/ns/default/sa/bookinfo-productpage'] } }] }), allowed: true },
  { name: 'principals prefix wildcard', policies: allowIf({ from: [{ source: { principals: ['cluster.local/ns/default/*'] } }] }), allowed: true },
  { name: 'principals suffix wildcard', policies: allowIf({ from: [{ source: { principals: ['*/sa/bookinfo-productpage'] } }] }), allowed: true },
  { name: 'principals * needs an identified peer', policies: allowIf({ from: [{ source: { principals: ['*'] } }] }), req: { principal: undefined }, allowed: false },
  { name: 'principals * with identified peer', policies: allowIf({ from: [{ source: { principals: ['*'] } }] }), allowed: true },
  { name: 'unknown principal is not a principal', policies: allowIf({ from: [{ source: { principals: ['*'] } }] }), req: { principal: 'unknown' }, allowed: false },
  { name: 'notPrincipals excludes', policies: allowIf({ from: [{ source: { notPrincipals: ['cluster.local/ns/default/sa/bookinfo-productpage'] } }] }), allowed: false },
  { name: 'notPrincipals other', policies: allowIf({ from: [{ source: { notPrincipals: ['cluster.local/ns/default/sa/sleep'] } }] }), allowed: true },
  { name: 'DENY notPrincipals * denies unidentified peers', policies: [policy('d', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] })], req: { principal: undefined }, allowed: false },
  { name: 'DENY notPrincipals * lets identified peers in', policies: [policy('d', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] })], allowed: true },
  { name: 'namespaces match', policies: allowIf({ from: [{ source: { namespaces: ['default'] } }] }), allowed: true },
  { name: 'namespaces come from the principal', policies: allowIf({ from: [{ source: { namespaces: ['frontend'] } }] }), req: { principal: 'spiffe://cluster.local/ns/frontend/sa/web' }, allowed: true },
  { name: 'namespaces no match', policies: allowIf({ from: [{ source: { namespaces: ['other'] } }] }), allowed: false },
  { name: 'namespaces unknown peer', policies: allowIf({ from: [{ source: { namespaces: ['default'] } }] }), req: { principal: undefined }, allowed: false },
  { name: 'notNamespaces excludes', policies: allowIf({ from: [{ source: { notNamespaces: ['default'] } }] }), allowed: false },
  { name: 'notNamespaces matches unknown peer', policies: allowIf({ from: [{ source: { notNamespaces: ['default'] } }] }), req: { principal: undefined }, allowed: true },
  { name: 'ipBlocks CIDR', policies: allowIf({ from: [{ source: { ipBlocks: ['10.1.0.0/24'] } }] }), allowed: true },
  { name: 'ipBlocks single address', policies: allowIf({ from: [{ source: { ipBlocks: ['10.1.0.9'] } }] }), allowed: true },
  { name: 'ipBlocks miss', policies: allowIf({ from: [{ source: { ipBlocks: ['10.2.0.0/16'] } }] }), allowed: false },
  { name: 'ipBlocks v4-mapped peer', policies: allowIf({ from: [{ source: { ipBlocks: ['10.1.0.0/24'] } }] }), req: { remoteAddress: '::ffff:10.1.0.9' }, allowed: true },
  { name: 'notIpBlocks excludes', policies: allowIf({ from: [{ source: { notIpBlocks: ['10.1.0.0/16'] } }] }), allowed: false },
  { name: 'notIpBlocks other', policies: allowIf({ from: [{ source: { notIpBlocks: ['10.9.0.0/16'] } }] }), allowed: true },
  { name: 'remoteIpBlocks', policies: allowIf({ from: [{ source: { remoteIpBlocks: ['10.1.0.9/32'] } }] }), allowed: true },
  { name: 'notRemoteIpBlocks', policies: allowIf({ from: [{ source: { notRemoteIpBlocks: ['10.1.0.9/32'] } }] }), allowed: false },
  { name: 'requestPrincipals never match (no JWT)', policies: allowIf({ from: [{ source: { requestPrincipals: ['*'] } }] }), allowed: false },
  { name: 'notRequestPrincipals * matches (no JWT)', policies: allowIf({ from: [{ source: { notRequestPrincipals: ['*'] } }] }), allowed: true },
  { name: 'source fields AND', policies: allowIf({ from: [{ source: { namespaces: ['default'], ipBlocks: ['10.9.0.0/16'] } }] }), allowed: false },
  { name: 'from entries OR', policies: allowIf({ from: [{ source: { namespaces: ['other'] } }, { source: { ipBlocks: ['10.1.0.0/16'] } }] }), allowed: true },
  // to.operation fields.
  { name: 'methods', policies: allowIf({ to: [{ operation: { methods: ['GET', 'HEAD'] } }] }), allowed: true },
  { name: 'methods miss', policies: allowIf({ to: [{ operation: { methods: ['POST'] } }] }), allowed: false },
  { name: 'notMethods', policies: allowIf({ to: [{ operation: { notMethods: ['GET'] } }] }), allowed: false },
  { name: 'paths exact', policies: allowIf({ to: [{ operation: { paths: ['/reviews/0'] } }] }), allowed: true },
  { name: 'paths ignore the query', policies: allowIf({ to: [{ operation: { paths: ['/reviews/0'] } }] }), req: { path: '/reviews/0?x=1' }, allowed: true },
  { name: 'paths prefix', policies: allowIf({ to: [{ operation: { paths: ['/reviews/*'] } }] }), allowed: true },
  { name: 'paths prefix miss', policies: allowIf({ to: [{ operation: { paths: ['/api/*'] } }] }), allowed: false },
  { name: 'paths suffix', policies: allowIf({ to: [{ operation: { paths: ['*/0'] } }] }), allowed: true },
  { name: 'paths *', policies: allowIf({ to: [{ operation: { paths: ['*'] } }] }), allowed: true },
  { name: 'paths template {*}', policies: allowIf({ to: [{ operation: { paths: ['/reviews/{*}'] } }] }), allowed: true },
  { name: 'paths template {*} is one segment', policies: allowIf({ to: [{ operation: { paths: ['/reviews/{*}'] } }] }), req: { path: '/reviews/0/x' }, allowed: false },
  { name: 'paths template {**}', policies: allowIf({ to: [{ operation: { paths: ['/reviews/{**}'] } }] }), req: { path: '/reviews/0/x' }, allowed: true },
  { name: 'paths are case-sensitive', policies: allowIf({ to: [{ operation: { paths: ['/Reviews/0'] } }] }), allowed: false },
  { name: 'notPaths', policies: allowIf({ to: [{ operation: { notPaths: ['/reviews/*'] } }] }), allowed: false },
  { name: 'notPaths other', policies: allowIf({ to: [{ operation: { notPaths: ['/admin/*'] } }] }), allowed: true },
  { name: 'hosts exact (port stripped)', policies: allowIf({ to: [{ operation: { hosts: ['reviews'] } }] }), allowed: true },
  { name: 'hosts with port', policies: allowIf({ to: [{ operation: { hosts: ['reviews:9080'] } }] }), allowed: true },
  { name: 'hosts case-insensitive suffix', policies: allowIf({ to: [{ operation: { hosts: ['*.Example.com'] } }] }), req: { authority: 'api.example.com' }, allowed: true },
  { name: 'hosts miss', policies: allowIf({ to: [{ operation: { hosts: ['ratings'] } }] }), allowed: false },
  { name: 'notHosts', policies: allowIf({ to: [{ operation: { notHosts: ['reviews'] } }] }), allowed: false },
  { name: 'ports', policies: allowIf({ to: [{ operation: { ports: ['9080'] } }] }), allowed: true },
  { name: 'ports miss', policies: allowIf({ to: [{ operation: { ports: ['8080'] } }] }), allowed: false },
  { name: 'notPorts', policies: allowIf({ to: [{ operation: { notPorts: ['9080'] } }] }), allowed: false },
  { name: 'operation fields AND', policies: allowIf({ to: [{ operation: { methods: ['GET'], paths: ['/admin'] } }] }), allowed: false },
  { name: 'to entries OR', policies: allowIf({ to: [{ operation: { paths: ['/admin'] } }, { operation: { methods: ['GET'] } }] }), allowed: true },
  { name: 'from × to AND', policies: allowIf({ from: [{ source: { namespaces: ['default'] } }], to: [{ operation: { methods: ['POST'] } }] }), allowed: false },
  { name: 'rules OR', policies: [policy('p', { rules: [{ to: [{ operation: { methods: ['POST'] } }] }, { to: [{ operation: { methods: ['GET'] } }] }] })], allowed: true },
  // when conditions.
  { name: 'when header', policies: allowIf({ when: [{ key: 'request.headers[X-Token]', values: ['abc'] }] }), req: { headers: { 'x-token': 'abc' } }, allowed: true },
  { name: 'when header absent', policies: allowIf({ when: [{ key: 'request.headers[X-Token]', values: ['*'] }] }), allowed: false },
  { name: 'when header prefix', policies: allowIf({ when: [{ key: 'request.headers[x-token]', values: ['ab*'] }] }), req: { headers: { 'x-token': 'abc' } }, allowed: true },
  { name: 'when header notValues', policies: allowIf({ when: [{ key: 'request.headers[x-token]', notValues: ['abc'] }] }), req: { headers: { 'x-token': 'abc' } }, allowed: false },
  { name: 'when source.ip', policies: allowIf({ when: [{ key: 'source.ip', values: ['10.1.0.0/16'] }] }), allowed: true },
  { name: 'when source.ip miss', policies: allowIf({ when: [{ key: 'source.ip', values: ['10.2.0.0/16'] }] }), allowed: false },
  { name: 'when source.namespace', policies: allowIf({ when: [{ key: 'source.namespace', values: ['default'] }] }), allowed: true },
  { name: 'when source.principal', policies: allowIf({ when: [{ key: 'source.principal', values: ['cluster.local/ns/default/sa/bookinfo-productpage'] }] }), allowed: true },
  { name: 'when source.principal notValues', policies: allowIf({ when: [{ key: 'source.principal', notValues: ['*/sa/bookinfo-productpage'] }] }), allowed: false },
  { name: 'when destination.port', policies: allowIf({ when: [{ key: 'destination.port', values: ['9080'] }] }), allowed: true },
  { name: 'when destination.port miss', policies: allowIf({ when: [{ key: 'destination.port', notValues: ['9080'] }] }), allowed: false },
  { name: 'when destination.ip', policies: allowIf({ when: [{ key: 'destination.ip', values: ['10.1.0.5'] }] }), allowed: true },
  { name: 'when request.auth.* never matches', policies: allowIf({ when: [{ key: 'request.auth.claims[iss]', values: ['*'] }] }), allowed: false },
  { name: 'when request.auth.* never matches in DENY', policies: [policy('d', { action: 'DENY', rules: [{ when: [{ key: 'request.auth.principal', notValues: ['*'] }] }] })], allowed: true },
  { name: 'when conditions AND', policies: allowIf({ when: [{ key: 'source.namespace', values: ['default'] }, { key: 'destination.port', values: ['1'] }] }), allowed: false },
  { name: 'from × to × when all match', policies: allowIf({ from: [{ source: { principals: ['*'] } }], to: [{ operation: { paths: ['/reviews/*'], methods: ['GET'] } }], when: [{ key: 'request.headers[x-user]', values: ['jason'] }] }), req: { headers: { 'x-user': 'jason' } }, allowed: true },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    t.equal(decide(row.policies, row.req ?? {}, row.identity), row.allowed, row.allowed ? 'allowed' : 'denied');
  });
}

t.test('gateway: enforces on every request, clients have no principal', async (t) => {
  const gateway: ProxyIdentity = { kind: 'gateway', name: 'istio-ingressgateway', namespace: 'istio-system', labels: { istio: 'ingressgateway' } };
  const onGateway = [policy('gw', { selector: { matchLabels: { istio: 'ingressgateway' } }, rules: [{ to: [{ operation: { paths: ['/productpage'] } }] }] }, 'istio-system')];
  t.equal(decide(onGateway, { direction: 'outbound', path: '/productpage' }, gateway), true);
  t.equal(decide(onGateway, { direction: 'outbound', path: '/admin' }, gateway), false);
  const needsPrincipal = [policy('gw', { selector: { matchLabels: { istio: 'ingressgateway' } }, rules: [{ from: [{ source: { principals: ['*'] } }] }] }, 'istio-system')];
  t.equal(decide(needsPrincipal, { direction: 'outbound' }, gateway), false, 'the gateway itself is not the client');
  t.equal(decide([policy('n', {}, 'default')], { direction: 'outbound' }, gateway), true, 'a default-namespace policy does not reach istio-system');
});

t.test('targetRef Service applies to the pods the Service selects', async (t) => {
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'default' }, spec: { selector: { app: 'reviews' } } } as never;
  const other = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ratings', namespace: 'default' }, spec: { selector: { app: 'ratings' } } } as never;
  const make = (name: string): boolean => {
    const source = new StaticAuthorizationPolicySource([policy('n', { targetRef: { kind: 'Service', group: '', name } })], [svc, other]);
    return createAuthorizationCheck({ source, identity: SERVER }).check(request()).allowed;
  };
  t.equal(make('reviews'), false);
  t.equal(make('ratings'), true);
});

t.test('denial names the policy; unsupported constructs are logged once', async (t) => {
  const log: string[] = [];
  const source = new StaticAuthorizationPolicySource([
    policy('deny-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin'] } }] }] }),
    policy('ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] }),
  ]);
  const check = createAuthorizationCheck({ source, identity: SERVER, log: (l) => log.push(l) });
  t.same(check.check(request({ path: '/admin' })), { allowed: false, policy: 'default/deny-admin (DENY, rule 0)' });
  t.same(check.check(request({ path: '/ok' })), { allowed: true });
  t.same(check.check(request({ path: '/ok' })), { allowed: true });
  t.equal(log.length, 1);
  t.match(log[0], /mesh\/security: AuthorizationPolicy default\/ext: action CUSTOM .* not supported/);
  t.same(check.applicable(), { deny: ['default/deny-admin'], allow: [], audit: [] });
  check.close();
});

t.test('policies compile once per change and follow the source', async (t) => {
  const source = new StaticAuthorizationPolicySource();
  let snapshots = 0;
  const counting = { snapshot: () => (snapshots++, source.snapshot()), onChange: (l: () => void) => source.onChange(l) };
  const check = createAuthorizationCheck({ source: counting, identity: SERVER });
  for (let i = 0; i < 5; i++) t.equal(check.check(request()).allowed, true);
  t.equal(snapshots, 1, 'one compile for five requests');
  source.apply(policy('n', {}));
  t.equal(check.check(request()).allowed, false, 'allow-nothing takes effect');
  t.equal(check.check(request()).allowed, false);
  t.equal(snapshots, 2, 'recompiled once after the change');
  t.equal(check.compilations(), 2);
  source.set([...source.snapshot().authorizationPolicies]);
  t.equal(check.check(request()).allowed, false);
  t.equal(check.compilations(), 2, 'a change signal with the same policies reuses the compiled set');
  source.apply(policy('n', { rules: [{}] }));
  t.equal(check.check(request()).allowed, true, 'replaced by allow-all');
  t.equal(check.compilations(), 3);
  source.remove(policy('n', {}));
  t.equal(check.check(request()).allowed, true);
  check.close();
  source.apply(policy('n', {}));
  t.equal(check.check(request()).allowed, true, 'closed: no longer follows the source');
});

t.test('malformed policies fail closed instead of failing requests', async (t) => {
  const log: string[] = [];
  const bad = (action: string): KubeObject => policy(`bad-${action}`, { action, rules: { not: 'a list' } } as never);
  t.equal(decide([bad('DENY')], {}, SERVER, log), false, 'a broken DENY denies');
  t.equal(decide([bad('ALLOW')], {}, SERVER, log), false, 'a broken ALLOW allows nothing');
  t.equal(decide([bad('ALLOW'), policy('ok', { rules: [{}] })], {}, SERVER, log), true, 'other ALLOW policies still allow');
  t.match(log.join('\n'), /default\/bad-DENY: cannot be compiled/);
});
