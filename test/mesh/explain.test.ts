// explain / proxy-config / analyze as library functions (what the meshlet
// CLI prints), on compiled tables and crafted YAML.

import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeMesh, compileProxyConfig, explainRequest, formatExplanation, formatFindings, formatProxyConfig, meshInputsFromObjects } from '../../mesh/index.ts';
import type { ProxyIdentity } from '../../mesh/index.ts';
import { fromYaml, pod, service } from './fixtures.ts';
import { ISTIO_SAMPLES } from '../helpers/reference.ts';

const SAMPLES = ISTIO_SAMPLES;
const client: ProxyIdentity = { kind: 'sidecar', name: 'productpage', namespace: 'default', labels: { app: 'productpage' } };

const MESH = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  trafficPolicy: { loadBalancer: { simple: LEAST_REQUEST } }
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }, { name: v3, labels: { version: v3 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
    timeout: 3s
  - match: [{ uri: { prefix: /split } }]
    route:
    - { destination: { host: reviews, subset: v1 }, weight: 75 }
    - { destination: { host: reviews, subset: v3 }, weight: 25 }
    retries: { attempts: 3, perTryTimeout: 1s, retryOn: "5xx,409" }
  - route: [{ destination: { host: reviews, subset: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings }
spec:
  hosts: [ratings]
  http:
  - match: [{ uri: { prefix: /only-this } }]
    route: [{ destination: { host: ratings } }]
`;

function table() {
  return compileProxyConfig(meshInputsFromObjects([
    ...fromYaml(MESH),
    service('reviews', { app: 'reviews' }, [{ port: 9080 }]),
    service('ratings', { app: 'ratings' }, [{ port: 9080 }]),
    pod('reviews-v1', '127.250.7.1', { app: 'reviews', version: 'v1' }),
    pod('reviews-v2', '127.250.7.2', { app: 'reviews', version: 'v2' }),
    pod('reviews-v3', '127.250.7.3', { app: 'reviews', version: 'v3' }),
    pod('ratings-v1', '127.250.7.4', { app: 'ratings', version: 'v1' }),
  ]), client);
}

t.test('explain: a header match', async (t) => {
  const e = explainRequest(table(), { url: 'http://reviews:9080/reviews/0', headers: { 'end-user': 'jason' } });
  t.equal(e.host.service, 'reviews.default.svc.cluster.local (Service default/reviews)');
  t.same(e.matched, { origin: 'VirtualService default/reviews', index: 0, name: undefined, match: 'header end-user exact "jason"' });
  t.equal(e.destinations.length, 1);
  t.equal(e.destinations[0]!.subset, 'v2');
  t.same(e.destinations[0]!.endpoints, ['127.250.7.2:9080 (default/reviews-v2)']);
  const text = formatExplanation(e);
  t.match(text, /✔ VirtualService default\/reviews rule #0 matched: header end-user exact "jason"/);
  t.match(text, /Destination: reviews\.default\.svc\.cluster\.local subset v2 port 9080 — 100% of traffic/);
  t.match(text, /load balancer: LEAST_REQUEST/);
  t.match(text, /Policy: timeout 3000 ms/);
  t.match(text, /Policy: retries: 2 on connect-failure,refused-stream,unavailable,cancelled \(Istio default policy\)/);
});

t.test('explain: a weighted split, with the earlier rule that did not match', async (t) => {
  const e = explainRequest(table(), { url: 'http://reviews.default:9080/split/x' });
  t.equal(e.rules[0]!.matched, false);
  t.equal(e.rules[0]!.reason, 'header end-user is absent (wanted exact "jason")');
  t.equal(e.matched?.index, 1);
  t.same(e.destinations.map((d) => [d.subset, d.percent, d.endpoints.length]), [['v1', 75, 1], ['v3', 25, 1]]);
  const text = formatExplanation(e);
  t.match(text, /✘ VirtualService default\/reviews rule #0 did not match: header end-user is absent/);
  t.match(text, /subset v1 port 9080 — 75% of traffic/);
  t.match(text, /subset v3 port 9080 — 25% of traffic/);
  t.match(text, /retries: 3 on 5xx,retriable-status-codes,409, perTryTimeout 1000 ms/);
  t.match(text, /Outcome: routed to reviews\.default v1:9080 \(75%\), reviews\.default v3:9080 \(25%\)/);
});

t.test('explain: no route', async (t) => {
  const e = explainRequest(table(), { url: 'http://ratings:9080/elsewhere', method: 'post' });
  t.equal(e.matched, undefined);
  t.equal(e.outcome, '404 NR: none of the 1 rule(s) matched');
  t.match(formatExplanation(e), /✘ VirtualService default\/ratings rule #0 did not match: uri \/elsewhere is not prefix "\/only-this"/);
  const unknown = explainRequest(table(), { url: 'http://nowhere:9080/' });
  t.match(unknown.outcome, /^502 NR: "nowhere" is not a mesh service/);
  const badPort = explainRequest(table(), { url: 'http://reviews:1234/' });
  t.match(badPort.outcome, /^404 NR: reviews\.default\.svc\.cluster\.local has no port 1234/);
});

t.test('proxy-config routes, clusters, endpoints', async (t) => {
  const tb = table();
  const routes = formatProxyConfig(tb, 'routes');
  t.match(routes, /^NAME\s+VIRTUAL SERVICE\s+MATCH\s+ACTION/);
  t.match(routes, /reviews\.default\.svc\.cluster\.local:9080\s+VirtualService default\/reviews#1\s+uri prefix "\/split"\s+reviews\.default v1:9080 \(75%\), reviews\.default v3:9080 \(25%\)/);
  t.match(routes, /ratings\.default\.svc\.cluster\.local:9080\s+VirtualService default\/ratings#0/);
  const clusters = formatProxyConfig(tb, 'clusters');
  t.match(clusters, /reviews\.default\.svc\.cluster\.local\s+9080\s+v2\s+outbound\s+1\s+LEAST_REQUEST\s+DestinationRule default\/reviews/);
  const endpoints = formatProxyConfig(tb, 'endpoints', [{ cluster: 'outbound|9080|v3|reviews.default.svc.cluster.local', ejected: ['127.250.7.3:9080'] }]);
  t.match(endpoints, /127\.250\.7\.3:9080\s+HEALTHY\s+FAILED\s+outbound\|9080\|v3\|reviews/);
  t.match(endpoints, /127\.250\.7\.1:9080\s+HEALTHY\s+OK\s+outbound\|9080\|v1\|reviews/);
});

const CRAFTED = `
apiVersion: v1
kind: Service
metadata: { name: shop }
spec: { selector: { app: shop }, ports: [{ name: http, port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: shop-v1 }
spec:
  selector: { matchLabels: { app: shop, version: v1 } }
  template:
    metadata: { labels: { app: shop, version: v1 } }
    spec: { containers: [{ name: shop, image: shop }] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: shop }
spec:
  host: shop
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v9, labels: { version: v9 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: shop }
spec:
  hosts: [shop, ghost]
  http:
  - match: [{ uri: { prefix: /a } }]
    route: [{ destination: { host: shop, subset: v1 } }]
  - route: [{ destination: { host: shop, subset: v2 } }]
  - match: [{ uri: { prefix: /never } }]
    route: [{ destination: { host: shop, subset: v1 } }]
`;

t.test('analyze finds each of the four problems, with file and field', async (t) => {
  const findings = analyzeMesh(fromYaml(CRAFTED).map((object, i) => ({ object, file: 'crafted.yaml', line: i * 10 + 1 })));
  const summary = findings.map((f) => `${f.code} ${f.resource} ${f.field}`).sort();
  t.same(summary, [
    'IST0101 VirtualService default/shop spec.hosts[1]',
    'IST0101 VirtualService default/shop spec.http[1].route[0].destination.subset',
    'IST0130 VirtualService default/shop spec.http[2]',
    'IST0173 DestinationRule default/shop spec.subsets[1]',
  ]);
  const byCode = (c: string) => findings.find((f) => f.code === c && (c !== 'IST0101' || f.field?.endsWith('subset')))!;
  t.equal(byCode('IST0101').message, 'Referenced host+subset in destinationrule not found: "shop+v2"');
  t.equal(byCode('IST0173').message, 'The Subset v9 defined in the DestinationRule does not select any pods.');
  t.equal(byCode('IST0130').message, 'VirtualService rule #2 not used (rule #1 matches every request; only the last rule can have no matches).');
  t.ok(findings.every((f) => f.file === 'crafted.yaml' && f.line !== undefined));
  const located = analyzeMesh(fromYaml(CRAFTED).map((object) => ({ object, file: 'crafted.yaml', locate: (field: string) => (field === 'spec.hosts[1]' ? 42 : undefined) })));
  t.equal(located.find((f) => f.field === 'spec.hosts[1]')?.line, 42, 'a field position from the reader wins over the document line');
  t.match(formatFindings(findings), /Error \[IST0101\] \(VirtualService default\/shop crafted\.yaml:\d+ spec\.hosts\[1\]\) VirtualService host "ghost" has no Service or ServiceEntry/);
});

t.test('analyze: identical match blocks are unreachable too; a clean config has no findings', async (t) => {
  const dup = analyzeMesh(fromYaml(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ext }
spec: { hosts: [ext.test], ports: [{ number: 80, name: http }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ext }
spec:
  hosts: [ext.test]
  http:
  - match: [{ headers: { a: { exact: b } } }]
    route: [{ destination: { host: ext.test } }]
  - match: [{ headers: { a: { exact: b } } }, { uri: { prefix: /x } }]
    route: [{ destination: { host: ext.test } }]
`).map((object) => ({ object })));
  t.same(dup.map((f) => `${f.code} ${f.field}`), ['IST0130 spec.http[1].match[0]']);
  t.same(formatFindings([]), '✔ No validation issues found.\n');
});

t.test('analyze reports nothing for the Bookinfo samples', async (t) => {
  // Each networking sample as the Istio tasks apply it: on top of bookinfo.yaml and destination-rule-all.yaml.
  // The subsets of destination-rule-all.yaml whose workloads ship in separate sample files
  // (ratings v2 / v2-mysql / v2-mysql-vm, details v2) get workloads here so IST0173 has pods to find.
  const base = [
    ...fromYaml(readFileSync(join(SAMPLES, 'bookinfo/platform/kube/bookinfo.yaml'), 'utf8')),
    ...fromYaml(readFileSync(join(SAMPLES, 'bookinfo/networking/destination-rule-all.yaml'), 'utf8')),
    pod('ratings-v2', '127.250.7.20', { app: 'ratings', version: 'v2' }),
    pod('ratings-v2-mysql', '127.250.7.21', { app: 'ratings', version: 'v2-mysql' }),
    pod('ratings-v2-mysql-vm', '127.250.7.22', { app: 'ratings', version: 'v2-mysql-vm' }),
    pod('details-v2', '127.250.7.23', { app: 'details', version: 'v2' }),
  ];
  const files = readdirSync(join(SAMPLES, 'bookinfo/networking')).filter((f) => f.endsWith('.yaml') && f !== 'certmanager-gateway.yaml');
  for (const file of files) {
    const objs = fromYaml(readFileSync(join(SAMPLES, 'bookinfo/networking', file), 'utf8'));
    const findings = analyzeMesh([...base.map((object) => ({ object })), ...objs.map((object) => ({ object, file }))]);
    if (file === 'fault-injection-details-v1.yaml') {
      // Its first rule has no match (abort for everyone), so the second rule really is unreachable;
      // istioctl's IST0130 check (a rule without matches that is not last) flags this sample too.
      t.same(findings.map((f) => `${f.code} ${f.field}`), ['IST0130 spec.http[1]'], `${file}: the one real finding`);
      continue;
    }
    t.same(findings, [], `${file}: ${formatFindings(findings).trim()}`);
  }
  const certManager = analyzeMesh([...base, ...fromYaml(readFileSync(join(SAMPLES, 'bookinfo/networking/certmanager-gateway.yaml'), 'utf8'))].map((object) => ({ object })));
  t.same(certManager.map((f) => f.message), ['Referenced host not found: "cert-manager-resolver"'], 'the cert-manager add-on routes to a service Bookinfo does not ship');
});

t.test('explain, proxy-config and analyze name a rule by its name as well as its index', async (t) => {
  const objs = fromYaml(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - name: jason-to-v2
    match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews } }]
  - name: everyone-else
    route: [{ destination: { host: reviews } }]
  - name: never-reached
    match: [{ uri: { prefix: /late } }]
    route: [{ destination: { host: reviews } }]
`);
  const named = compileProxyConfig(meshInputsFromObjects([...objs, service('reviews', { app: 'reviews' }, [{ port: 9080 }])]), client);
  const e = explainRequest(named, { url: 'http://reviews:9080/x' });
  t.equal(e.matched?.name, 'everyone-else');
  t.same(e.rules.map((r) => [r.index, r.name, r.matched]), [[0, 'jason-to-v2', false], [1, 'everyone-else', true]]);
  const text = formatExplanation(e);
  t.match(text, /✘ VirtualService default\/reviews rule #0 "jason-to-v2" did not match: header end-user is absent/);
  t.match(text, /✔ VirtualService default\/reviews rule #1 "everyone-else" matched/);
  t.match(formatProxyConfig(named, 'routes'), /VirtualService default\/reviews#1 "everyone-else"/);
  const unnamed = formatExplanation(explainRequest(table(), { url: 'http://ratings:9080/elsewhere' }));
  t.match(unnamed, /rule #0 did not match/, 'a rule without a name keeps its bare index');
  const findings = analyzeMesh(objs.map((object) => ({ object })));
  t.ok(findings.some((f) => f.code === 'IST0130' && f.message.startsWith('VirtualService rule #2 "never-reached" not used (rule #1 "everyone-else" matches every request')), JSON.stringify(findings.map((f) => f.message)));
});
