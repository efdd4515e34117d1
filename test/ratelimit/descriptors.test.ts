// Which rules a request charges, keyed by which descriptor entries (table-driven).

import t from 'tap';
import type { RateLimitRule } from '../../control/api/ratelimit-policy.ts';
import { compileRateLimitPolicy } from '../../mesh/ratelimit/compile-policy.ts';
import { compileHeaderMatcher, compileEnvoyAction } from '../../mesh/ratelimit/envoy-actions.ts';
import { lookupDescriptor, parseRateLimitConfig } from '../../mesh/ratelimit/translate-ratelimit-config.ts';
import type { RateLimitRequest } from '../../mesh/ratelimit/index.ts';
import { kubeObject, policy, request } from './fixtures.ts';

function entriesFor(rule: RateLimitRule, r: RateLimitRequest): string | undefined {
  const p = compileRateLimitPolicy(policy('p', { target: { gateway: '*' }, rules: [{ name: 'r', ...rule }] }), []);
  const hits = p.resolve(r);
  return hits.length === 0 ? undefined : hits[0]!.entries.map((e) => `${e.key}=${e.value}`).join(',');
}

const limit = { requests: 1, unit: 'minute' as const };

t.test('RateLimitPolicy match blocks and descriptors (table)', (t) => {
  const cases: { name: string; rule: RateLimitRule; req: Partial<RateLimitRequest>; want: string | undefined }[] = [
    { name: 'no match: every request, one budget', rule: { limit }, req: {}, want: 'rule=r' },
    { name: 'path prefix matches', rule: { limit, match: [{ path: { prefix: '/api' } }] }, req: { path: '/api/v1?x=1' }, want: 'rule=r' },
    { name: 'path prefix misses', rule: { limit, match: [{ path: { prefix: '/api' } }] }, req: { path: '/productpage' }, want: undefined },
    { name: 'exact path ignores the query', rule: { limit, match: [{ path: { exact: '/login' } }] }, req: { path: '/login?next=/' }, want: 'rule=r' },
    { name: 'ignoreCase', rule: { limit, match: [{ path: { exact: '/login', ignoreCase: true } }] }, req: { path: '/LOGIN' }, want: 'rule=r' },
    { name: 'regex is a full match', rule: { limit, match: [{ path: { regex: '/v[0-9]+' } }] }, req: { path: '/v1/extra' }, want: undefined },
    { name: 'method list', rule: { limit, match: [{ methods: ['POST', 'PUT'] }] }, req: { method: 'POST' }, want: 'rule=r' },
    { name: 'method miss', rule: { limit, match: [{ methods: ['POST'] }] }, req: { method: 'GET' }, want: undefined },
    { name: 'header match, any case name', rule: { limit, match: [{ headers: { 'X-Tier': { exact: 'free' } } }] }, req: { headers: { 'x-tier': 'free' } }, want: 'rule=r' },
    { name: 'header absent', rule: { limit, match: [{ headers: { 'x-tier': { exact: 'free' } } }] }, req: { headers: {} }, want: undefined },
    { name: 'AND within a block', rule: { limit, match: [{ methods: ['GET'], path: { prefix: '/a' } }] }, req: { method: 'GET', path: '/b' }, want: undefined },
    { name: 'OR across blocks', rule: { limit, match: [{ path: { prefix: '/a' } }, { path: { prefix: '/b' } }] }, req: { path: '/b' }, want: 'rule=r' },
    { name: 'source workload + namespace', rule: { limit, match: [{ source: { workload: 'reviews-v2', namespace: 'default' } }] }, req: { sourceWorkload: 'reviews-v2', sourceNamespace: 'default' }, want: 'rule=r' },
    { name: 'source ipBlocks', rule: { limit, match: [{ source: { ipBlocks: ['127.244.1.0/24'] } }] }, req: { sourceIp: '127.244.2.9' }, want: undefined },
    { name: 'source ipBlocks hit', rule: { limit, match: [{ source: { ipBlocks: ['127.244.1.0/24'] } }] }, req: { sourceIp: '127.244.1.9' }, want: 'rule=r' },
    { name: 'remoteAddress descriptor', rule: { limit, descriptors: [{ type: 'remoteAddress' }] }, req: { sourceIp: '127.244.1.7' }, want: 'rule=r,remote_address=127.244.1.7' },
    { name: 'path descriptor drops the query', rule: { limit, descriptors: [{ type: 'path' }] }, req: { path: '/a?b' }, want: 'rule=r,path=/a' },
    { name: 'sourceWorkload descriptor', rule: { limit, descriptors: [{ type: 'sourceWorkload' }] }, req: { sourceWorkload: 'w', sourceNamespace: 'n' }, want: 'rule=r,source_workload=n/w' },
    { name: 'missing source workload skips the rule', rule: { limit, descriptors: [{ type: 'sourceWorkload' }] }, req: { sourceWorkload: undefined }, want: undefined },
    { name: 'header descriptor', rule: { limit, descriptors: [{ type: 'header', header: 'X-User' }] }, req: { headers: { 'x-user': 'alice' } }, want: 'rule=r,header_x-user=alice' },
    { name: 'absent header skips the rule', rule: { limit, descriptors: [{ type: 'header', header: 'x-user' }] }, req: { headers: {} }, want: undefined },
    {
      name: 'descriptors compose in order',
      rule: { limit, descriptors: [{ type: 'header', header: 'x-user' }, { type: 'remoteAddress' }] },
      req: { headers: { 'x-user': ['a', 'b'] }, sourceIp: '127.0.0.9' },
      want: 'rule=r,header_x-user=a,b,remote_address=127.0.0.9',
    },
  ];
  for (const c of cases) t.equal(entriesFor(c.rule, request(c.req)), c.want, c.name);
  t.end();
});

t.test('Envoy actions and header matchers (table)', (t) => {
  const cases: { name: string; action: Record<string, unknown>; req: Partial<RateLimitRequest>; want: string | undefined }[] = [
    { name: 'remote_address', action: { remote_address: {} }, req: { sourceIp: '127.1.2.3' }, want: 'remote_address=127.1.2.3' },
    { name: 'masked_remote_address /24', action: { masked_remote_address: { v4_prefix_mask_len: 24 } }, req: { sourceIp: '127.1.2.3' }, want: 'masked_remote_address=127.1.2.0/24' },
    { name: 'request_headers :path', action: { request_headers: { header_name: ':path', descriptor_key: 'PATH' } }, req: { path: '/a?b=1' }, want: 'PATH=/a?b=1' },
    { name: 'request_headers absent', action: { request_headers: { header_name: 'x-k', descriptor_key: 'k' } }, req: {}, want: undefined },
    { name: 'generic_key default key', action: { generic_key: { descriptor_value: 'v' } }, req: {}, want: 'generic_key=v' },
    { name: 'destination_cluster', action: { destination_cluster: {} }, req: { destinationService: 'r.default.svc.cluster.local' }, want: 'destination_cluster=r.default.svc.cluster.local' },
    {
      name: 'header_value_match prefix ignore_case',
      action: { header_value_match: { descriptor_value: 'pp', headers: [{ name: ':path', string_match: { prefix: '/productpage', ignore_case: true } }] } },
      req: { path: '/PRODUCTPAGE' },
      want: 'header_match=pp',
    },
    {
      name: 'header_value_match expect_match false',
      action: { header_value_match: { descriptor_value: 'not-pp', expect_match: false, headers: [{ name: ':path', prefix_match: '/productpage' }] } },
      req: { path: '/productpage' },
      want: undefined,
    },
    {
      name: 'header_value_match present + invert',
      action: { header_value_match: { descriptor_value: 'anon', headers: [{ name: 'authorization', present_match: true, invert_match: true }] } },
      req: { headers: {} },
      want: 'header_match=anon',
    },
  ];
  for (const c of cases) {
    const e = compileEnvoyAction(c.action)(request(c.req));
    t.equal(e === undefined ? undefined : `${e.key}=${e.value}`, c.want, c.name);
  }
  t.throws(() => compileEnvoyAction({ query_parameter_value_match: {} }), { code: 'MESHLET_RATELIMIT_UNSUPPORTED' });
  t.ok(compileHeaderMatcher({ name: ':method', exact_match: 'GET' })(request()));
  t.end();
});

t.test('envoyproxy/ratelimit descriptor tree lookup (table)', (t) => {
  const config = parseRateLimitConfig(
    `domain: d
descriptors:
  - key: PATH
    value: /admin*
    rate_limit: {unit: second, requests_per_unit: 1}
  - key: PATH
    value: /
    rate_limit: {unit: minute, requests_per_unit: 1}
  - key: PATH
    rate_limit: {unit: minute, requests_per_unit: 100}
  - key: remote_address
    descriptors:
      - key: PATH
        value: /login
        rate_limit: {unit: hour, requests_per_unit: 5, name: login}
  - key: tier
    value: internal
    rate_limit: {unlimited: true}
`,
    'test',
    kubeObject('v1', 'ConfigMap', 'default', 'x'),
  );
  const cases: [entries: [string, string][], name: string | undefined, requests: number | undefined][] = [
    [[['PATH', '/']], 'PATH_/', 1],
    [[['PATH', '/x']], 'PATH', 100],
    [[['PATH', '/admin/users']], 'PATH_/admin*', 1],
    [[['remote_address', '1.2.3.4'], ['PATH', '/login']], 'login', 5],
    [[['remote_address', '1.2.3.4']], 'remote_address', undefined],
    [[['remote_address', '1.2.3.4'], ['PATH', '/other']], undefined, undefined],
    [[['nope', 'x']], undefined, undefined],
  ];
  for (const [entries, name, requests] of cases) {
    const found = lookupDescriptor(config.descriptors, entries.map(([key, value]) => ({ key, value })));
    t.equal(found?.name, name, JSON.stringify(entries));
    t.equal(found?.node.rateLimit?.requests, requests, `${JSON.stringify(entries)} limit`);
  }
  t.equal(lookupDescriptor(config.descriptors, [{ key: 'tier', value: 'internal' }])?.node.rateLimit?.unlimited, true);
  t.end();
});
