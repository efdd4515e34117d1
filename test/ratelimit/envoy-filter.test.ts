// Istio's EnvoyFilter rate-limit samples, read from the shared reference tree
// (never copied), translated and exercised through the service.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { ManualClock } from '../../control/api/clock.ts';
import type { KubeObject } from '../../control/api/objects.ts';
import { InProcessCounter, StaticPolicySource, createRateLimitService } from '../../mesh/ratelimit/index.ts';
import type { RateLimitDecision, RateLimitRequest } from '../../mesh/ratelimit/index.ts';
import { parseYaml } from '../../control/api/index.ts';

const parseYamlDocument = (text: string): unknown => parseYaml(text, 'test yaml');
import { kubeObject, request } from './fixtures.ts';

const SAMPLES = new URL('../../../shared/reference/istio-samples/ratelimit/', import.meta.url);

function stored(obj: Record<string, unknown>): KubeObject {
  const meta = obj.metadata as { name: string; namespace?: string };
  return kubeObject(String(obj.apiVersion), String(obj.kind), meta.namespace ?? 'default', meta.name, obj);
}

function readSample(file: string): string {
  try {
    return readFileSync(new URL(file, SAMPLES), 'utf8');
  } catch (err) {
    throw new Error(`missing reference sample ${file}: expected the shared reference tree at ../shared/reference (${(err as Error).message})`);
  }
}

async function allowedCount(rl: { check(r: RateLimitRequest): RateLimitDecision | Promise<RateLimitDecision> }, r: RateLimitRequest, n: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) if ((await rl.check(r)).allowed) ok++;
  return ok;
}

t.test('local-rate-limit-service.yaml: /productpage 10 per minute, the whole service 100 per minute', async (t) => {
  const filter = stored(parseYamlDocument(readSample('local-rate-limit-service.yaml')) as Record<string, unknown>);
  t.equal(filter.metadata.namespace, 'istio-system');
  const clock = new ManualClock(0);
  const rl = createRateLimitService({ source: new StaticPolicySource({ envoyFilters: [filter] }), clock });
  t.teardown(() => rl.close());
  t.same(rl.problems(), []);
  t.equal(rl.policies().length, 1);

  const page = request({ path: '/productpage' });
  t.equal(await allowedCount(rl, page, 10), 10, 'ten /productpage requests pass');
  const denied = await rl.check(request({ path: '/ProductPage?u=normal' }));
  t.equal(denied.allowed, false, 'the eleventh (ignore_case prefix) is limited');
  t.equal(denied.status, 429);
  t.equal(denied.responseHeaders['x-envoy-ratelimited'], 'true');
  t.equal(denied.responseHeaders['x-local-rate-limit'], 'true', 'response_headers_to_add');
  t.equal(denied.responseHeaders['X-RateLimit-Limit'], '10, 10;w=60');
  t.equal(denied.responseHeaders['Retry-After'], '6', 'one token every 6 s');
  t.match(denied.matched ?? '', /header_match_productpage/);

  // Other paths only charge the default bucket (100/min), which the ten pages already used.
  const other = request({ path: '/static/bootstrap.css' });
  const first = await rl.check(other);
  t.equal(first.responseHeaders['X-RateLimit-Remaining'], '89');
  t.equal(await allowedCount(rl, other, 100), 89, 'the service as a whole stops at 100');
  t.notOk((await rl.check(page)).allowed);

  // Per sidecar: another productpage replica and other workloads are not affected.
  const replica = request({ proxy: { kind: 'sidecar', namespace: 'default', name: 'productpage-v1-2', labels: { app: 'productpage' } } });
  t.ok((await rl.check(replica)).allowed);
  const reviews = await rl.check(request({ proxy: { kind: 'sidecar', namespace: 'default', name: 'reviews-v1', labels: { app: 'reviews' } } }));
  t.same(reviews, { allowed: true, responseHeaders: {} });
  // The root-namespace filter applies in any namespace.
  const otherNs = request({ proxy: { kind: 'sidecar', namespace: 'shop', name: 'productpage-1', labels: { app: 'productpage' } } });
  t.ok((await rl.check(otherNs)).allowed);

  clock.advance(6_000);
  t.equal(await allowedCount(rl, page, 3), 1, 'after 6 s one /productpage token is back');
  clock.advance(60_000);
  t.equal(await allowedCount(rl, page, 12), 10, 'a minute later the burst is back');
  t.equal(rl.metrics.get('EnvoyFilter istio-system/filter-local-ratelimit-svc', 'header_match_productpage').overLimit, 6);
});

t.test('filter_enabled unset: the local limit is off, as in Envoy', (t) => {
  const filter = stored(parseYamlDocument(readSample('local-rate-limit-service.yaml')) as Record<string, unknown>);
  const spec = structuredClone(filter.spec) as { configPatches: { patch: { value: { typed_per_filter_config?: Record<string, Record<string, unknown>> } } }[] };
  delete spec.configPatches[1]!.patch.value.typed_per_filter_config!['envoy.filters.http.local_ratelimit']!.filter_enabled;
  const rl = createRateLimitService({ source: new StaticPolicySource({ envoyFilters: [{ ...filter, spec }] }) });
  t.equal(rl.policies().length, 0);
  t.match(rl.problems()[0]!.message, /filter_enabled/);
  void rl.close();
  t.end();
});

/** The ConfigMap example in the comment of rate-limit-service.yaml. */
function sampleRateLimitConfigMap(): KubeObject {
  const text = readSample('rate-limit-service.yaml');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^#\s+apiVersion: v1/.test(l));
  const block: string[] = [];
  for (const l of lines.slice(start)) {
    if (!l.startsWith('#  ')) break;
    block.push(l.slice(3));
  }
  return stored(parseYamlDocument(block.join('\n')) as Record<string, unknown>);
}

// Istio's global rate-limit task: the filter and the route actions in two EnvoyFilters on the gateway.
const GLOBAL_FILTERS = `
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: filter-ratelimit, namespace: istio-system}
spec:
  workloadSelector: {labels: {istio: ingressgateway}}
  configPatches:
    - applyTo: HTTP_FILTER
      match: {context: GATEWAY, listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}}
      patch:
        operation: INSERT_BEFORE
        value:
          name: envoy.filters.http.ratelimit
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit
            domain: echo-ratelimit
            failure_mode_deny: true
            timeout: 10s
---
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: filter-ratelimit-svc, namespace: istio-system}
spec:
  workloadSelector: {labels: {istio: ingressgateway}}
  configPatches:
    - applyTo: VIRTUAL_HOST
      match: {context: GATEWAY, routeConfiguration: {vhost: {name: "", route: {action: ANY}}}}
      patch:
        operation: MERGE
        value:
          rate_limits:
            - actions:
                - request_headers: {header_name: ":path", descriptor_key: "PATH"}
`;

t.test('envoyproxy/ratelimit ConfigMap + Istio global EnvoyFilters: PATH "/" 1/min, other paths 100/min each', async (t) => {
  const filters = GLOBAL_FILTERS.split('\n---\n').map((doc) => stored(parseYamlDocument(doc) as Record<string, unknown>));
  const cm = sampleRateLimitConfigMap();
  t.equal(cm.metadata.name, 'ratelimit-config');
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const counter = new InProcessCounter(clock);
  const rl = createRateLimitService({ source: new StaticPolicySource({ envoyFilters: filters, configMaps: [cm] }), clock, counter, keyPrefix: '' });
  t.teardown(() => rl.close());
  t.same(rl.problems(), []);
  const gw = (path: string): RateLimitRequest =>
    request({ proxy: { kind: 'gateway', namespace: 'istio-system', name: 'istio-ingressgateway', labels: { istio: 'ingressgateway' } }, path });
  t.equal(await allowedCount(rl, gw('/'), 3), 1, 'PATH "/" is 1 per minute');
  t.equal(await allowedCount(rl, gw('/productpage'), 105), 100, 'any other PATH value: 100 per minute');
  t.equal(await allowedCount(rl, gw('/login'), 5), 5, 'counted per value');
  t.equal(counter.size(), 3);
  t.same(rl.metrics.get('echo-ratelimit', 'PATH').overLimit, 5);
  t.same(rl.metrics.get('echo-ratelimit', 'PATH_/').overLimit, 2);
  // Sidecars are not selected by a GATEWAY-context filter.
  t.same((await rl.check(request({ path: '/' }))).responseHeaders, {});
  t.equal(rl.policies()[0]!.failureModeDeny, true, 'failure_mode_deny carried over');
});

t.test('a ratelimit ConfigMap no EnvoyFilter names: target annotation and inferred actions', async (t) => {
  const cm = kubeObject('v1', 'ConfigMap', 'default', 'limits', {
    metadata: {
      labels: { 'policy.meshlet.dev/ratelimit-config': 'true' },
      annotations: { 'policy.meshlet.dev/ratelimit-target': 'service/productpage' },
    },
    data: {
      'config.yaml': 'domain: pp\ndescriptors:\n  - key: x-user\n    rate_limit: {unit: hour, requests_per_unit: 2}\n  - key: generic_key\n    value: all\n    shadow_mode: true\n    rate_limit: {unit: second, requests_per_unit: 1}\n',
    },
  });
  const svc = kubeObject('v1', 'Service', 'default', 'productpage', { spec: { selector: { app: 'productpage' } } });
  const rl = createRateLimitService({ source: new StaticPolicySource({ configMaps: [cm], services: [svc] }), clock: new ManualClock(0) });
  t.teardown(() => rl.close());
  t.same(rl.problems(), []);
  const alice = request({ headers: { 'x-user': 'alice' } });
  t.equal(await allowedCount(rl, alice, 4), 2, 'x-user header → 2 per hour per user');
  t.ok((await rl.check(request({ headers: { 'x-user': 'bob' } }))).allowed);
  t.ok((await rl.check(request())).allowed, 'no x-user header: that descriptor is not generated');
  t.equal(rl.metrics.get('pp', 'generic_key_all').shadowMode, 5, 'generic_key shadow limit (1/s) only counts: 6 hits, 5 over');
});
