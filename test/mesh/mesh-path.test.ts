// The whole path with every hop meshed: ingress gateway → frontend sidecar
// (inbound) → frontend app → frontend sidecar (outbound) → reviews sidecar
// (inbound) → reviews app. Checks identity, trace continuity across hops,
// Istio metrics from both reporters, Ingress, and TCP (tcp-echo weights
// through the gateway, CONNECT through a sidecar).

import t from 'tap';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeshMetrics, startIngressGateway, startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import type { IngressGateway, ProxyIdentity, Sidecar } from '../../mesh/index.ts';
import type { Backend } from './fixtures.ts';
import { destroyAgents, fromYaml, many, pod, send, service, startBackend, waitFor, within4Sigma } from './fixtures.ts';
import { ISTIO_SAMPLES } from '../helpers/reference.ts';

const NET = '127.250.6';
const SAMPLES = ISTIO_SAMPLES;
const FRONTEND = `${NET}.10`;
const REVIEWS = [`${NET}.11`, `${NET}.12`];
const ECHO = [`${NET}.21`, `${NET}.22`];

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('meshlet-test');
const metrics = new MeshMetrics();
const config = new StaticConfigSource();
const sidecars: Sidecar[] = [];
const apps: Backend[] = [];
const echoServers: Server[] = [];
let gateway: IngressGateway;

const FORWARD = ['x-request-id', 'traceparent', 'tracestate', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'end-user'];

function identity(name: string, ip: string, labels: Record<string, string>): ProxyIdentity {
  return { kind: 'sidecar', name, namespace: 'default', labels, ip };
}

t.before(async () => {
  // frontend app: calls reviews through its sidecar, forwarding trace headers as Istio asks apps to.
  apps.push(await startBackend('frontend', FRONTEND, 9080, (req, res) => {
    const headers: Record<string, string> = {};
    for (const h of FORWARD) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
    const out = request({ host: FRONTEND, port: 15001, path: 'http://reviews:9080/reviews', headers, localAddress: FRONTEND }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ frontend: true, reviews: JSON.parse(Buffer.concat(chunks).toString()) }));
      });
    });
    out.on('error', () => res.writeHead(502).end());
    out.end();
  }));
  for (const [i, ip] of REVIEWS.entries()) apps.push(await startBackend(`reviews-v${i + 1}`, ip, 9080));
  for (const [i, ip] of ECHO.entries()) {
    const prefix = i === 0 ? 'one' : 'two';
    const s = createServer((c) => c.on('data', (d) => c.write(`${prefix} ${d.toString()}`)));
    await new Promise<void>((r) => s.listen(9000, ip, r));
    echoServers.push(s);
  }
  config.apply(
    pod('frontend-6d5f8-aaaaa', FRONTEND, { app: 'frontend', version: 'v1' }, { ports: [9080], serviceAccount: 'frontend', replicaSet: 'frontend-6d5f8' }),
    pod('reviews-v1-7f9c4-bbbbb', REVIEWS[0]!, { app: 'reviews', version: 'v1' }, { ports: [9080] }),
    pod('reviews-v2-5c8d7-ccccc', REVIEWS[1]!, { app: 'reviews', version: 'v2' }, { ports: [9080] }),
    pod('tcp-echo-v1-1a2b3-ddddd', ECHO[0]!, { app: 'tcp-echo', version: 'v1' }, { ports: [9000, 9001] }),
    pod('tcp-echo-v2-4d5e6-eeeee', ECHO[1]!, { app: 'tcp-echo', version: 'v2' }, { ports: [9000, 9001] }),
    service('frontend', { app: 'frontend' }, [{ port: 9080, name: 'http' }]),
    service('reviews', { app: 'reviews' }, [{ port: 9080, name: 'http' }]),
    ...fromYaml(readFileSync(join(SAMPLES, 'tcp-echo/tcp-echo-services.yaml'), 'utf8')).filter((o) => o.kind === 'Service'),
    ...fromYaml(readFileSync(join(SAMPLES, 'tcp-echo/tcp-echo-all-v1.yaml'), 'utf8')),
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
  - match: [{ uri: { prefix: /app } }]
    route: [{ destination: { host: frontend, port: { number: 9080 } } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - route: [{ destination: { host: reviews, subset: v1 } }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: legacy }
spec:
  rules:
  - host: legacy.test
    http:
      paths:
      - { path: /r, pathType: Prefix, backend: { service: { name: reviews, port: { number: 9080 } } } }
`),
  );
  sidecars.push(await startSidecar({ identity: identity('frontend-6d5f8-aaaaa', FRONTEND, { app: 'frontend', version: 'v1' }), podIp: FRONTEND, config, tracer, metrics }));
  sidecars.push(await startSidecar({ identity: identity('reviews-v1-7f9c4-bbbbb', REVIEWS[0]!, { app: 'reviews', version: 'v1' }), podIp: REVIEWS[0]!, config, tracer, metrics }));
  sidecars.push(await startSidecar({ identity: identity('reviews-v2-5c8d7-ccccc', REVIEWS[1]!, { app: 'reviews', version: 'v2' }), podIp: REVIEWS[1]!, config, tracer, metrics }));
  sidecars.push(await startSidecar({ identity: identity('tcp-echo-v1-1a2b3-ddddd', ECHO[0]!, { app: 'tcp-echo', version: 'v1' }), podIp: ECHO[0]!, config, metrics }));
  sidecars.push(await startSidecar({ identity: identity('tcp-echo-v2-4d5e6-eeeee', ECHO[1]!, { app: 'tcp-echo', version: 'v2' }), podIp: ECHO[1]!, config, metrics }));
  gateway = await startIngressGateway({ config, tracer, metrics, tcpPorts: { 31400: 0 } });
});

t.teardown(async () => {
  destroyAgents();
  await gateway.close();
  for (const s of sidecars) await s.close();
  for (const a of apps) await a.close();
  for (const s of echoServers) await new Promise<void>((r) => s.close(() => r()));
  await provider.shutdown();
});

t.test('gateway → frontend → reviews, every hop through sidecars, one trace', async (t) => {
  exporter.reset();
  const res = await send({ host: '127.0.0.1', port: gateway.port, path: '/app', headers: { host: 'shop.test', 'end-user': 'jason' } });
  t.equal(res.status, 200, res.body);
  const body = JSON.parse(res.body);
  t.equal(body.reviews.name, 'reviews-v2', 'header match applied at the frontend sidecar');
  const reviewsReq = apps[2]!.requests.at(-1)!;
  t.equal(reviewsReq.remote, REVIEWS[1], 'reviews app reached by its own sidecar');
  t.ok(reviewsReq.headers['x-request-id'], 'x-request-id propagated');
  t.equal(apps[0]!.requests.at(-1)!.headers['x-forwarded-for'], '127.0.0.1', 'the gateway records the external caller');

  await waitFor(() => exporter.getFinishedSpans().length >= 4, 3000, 'four spans');
  const spans = exporter.getFinishedSpans();
  const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
  t.equal(traceIds.size, 1, 'all hops in one trace');
  const byName = spans.map((s) => `${s.kind}:${s.name}`).sort();
  t.same(byName, [
    '1:frontend.default.svc.cluster.local:9080/*',
    '1:reviews.default.svc.cluster.local:9080/*',
    '2:frontend.default.svc.cluster.local:9080/*',
    '2:reviews.default.svc.cluster.local:9080/*',
  ], 'client (2) and server (1) span per hop, Envoy-style names');
  const gwClient = spans.find((s) => s.kind === 2 && s.name.startsWith('frontend'))!;
  const feServer = spans.find((s) => s.kind === 1 && s.name.startsWith('frontend'))!;
  const feClient = spans.find((s) => s.kind === 2 && s.name.startsWith('reviews'))!;
  const rvServer = spans.find((s) => s.kind === 1 && s.name.startsWith('reviews'))!;
  t.equal(feServer.parentSpanContext?.spanId, gwClient.spanContext().spanId, 'frontend server span is a child of the gateway client span');
  t.equal(feClient.parentSpanContext?.spanId, feServer.spanContext().spanId, 'the app forwarded traceparent, so the outbound hop continues the trace');
  t.equal(rvServer.parentSpanContext?.spanId, feClient.spanContext().spanId);
  t.equal(rvServer.attributes['http.status_code'], 200);
  t.equal(feClient.attributes['upstream_cluster'], 'outbound|9080|v2|reviews.default.svc.cluster.local');
  t.equal(feClient.attributes['istio.canonical_service'], 'frontend');
});

t.test('Istio metrics from both reporters, per edge', async (t) => {
  await many(10, 2, () => send({ host: '127.0.0.1', port: gateway.port, path: '/app', headers: { host: 'shop.test' } }));
  const edges = metrics.edges({ reporter: 'destination' }).filter((e) => e.destination.service === 'reviews.default.svc.cluster.local');
  const v1 = edges.find((e) => e.destination.version === 'v1');
  t.ok(v1 && v1.requests >= 10, 'frontend → reviews v1 edge counted by the destination');
  t.equal(v1?.source.workload, 'frontend', 'source workload from the pod');
  t.equal(metrics.count({ reporter: 'source', source_workload: 'istio-ingressgateway', destination_service_name: 'frontend', response_code: '200' }) >= 11, true, 'gateway reports as source');
  t.ok(metrics.count({ reporter: 'destination', source_workload: 'istio-ingressgateway', source_workload_namespace: 'istio-system', destination_workload: 'frontend' }) >= 11, 'the frontend sidecar knows the gateway as its source (peer metadata)');
  t.notOk(apps[0]!.requests.some((r) => r.headers['x-meshlet-peer'] || r.headers['x-meshlet-original-port']), 'mesh-internal headers never reach the app');
  const text = await metrics.render();
  t.match(text, /# TYPE istio_requests_total counter/);
  t.match(text, /istio_requests_total\{reporter="destination",source_workload="frontend",source_workload_namespace="default",source_principal="spiffe:\/\/cluster.local\/ns\/default\/sa\/frontend"/);
  // Label order is not meaningful in the exposition format; prom-client writes le first.
  t.match(text, /istio_request_duration_milliseconds_bucket\{[^}]*le="\+Inf"[^}]*\} \d+/);
  t.match(text, /istio_response_bytes_sum/);
});

t.test('each sidecar tallies its own inbound requests (the HPA request-rate metric)', async (t) => {
  const before = metrics.podInboundTotals().get('default/frontend-6d5f8-aaaaa') ?? 0;
  await many(5, 1, () => send({ host: '127.0.0.1', port: gateway.port, path: '/app', headers: { host: 'shop.test' } }));
  const totals = metrics.podInboundTotals();
  t.equal((totals.get('default/frontend-6d5f8-aaaaa') ?? 0) - before, 5, 'the frontend pod received five');
  const reviews = (totals.get('default/reviews-v1-7f9c4-bbbbb') ?? 0) + (totals.get('default/reviews-v2-5c8d7-ccccc') ?? 0);
  t.ok(reviews >= 5, 'the reviews pods received the frontend calls');
  t.notOk([...totals.keys()].some((k) => k.includes('ingressgateway')), 'the gateway is no pod');
});

t.test('networking.k8s.io Ingress routes through the gateway', async (t) => {
  const res = await send({ host: '127.0.0.1', port: gateway.port, path: '/r/1', headers: { host: 'legacy.test' } });
  t.equal(res.status, 200);
  t.match(JSON.parse(res.body).name, /^reviews-v/);
  t.equal((await send({ host: '127.0.0.1', port: gateway.port, path: '/rx', headers: { host: 'legacy.test' } })).status, 404, 'Prefix is per path element');
});

function tcpExchange(host: string, port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => s.write(message));
    s.once('data', (d) => {
      resolve(d.toString());
      s.end();
    });
    s.once('error', reject);
  });
}

t.test('tcp-echo: 80/20 weighted TCP routes through the gateway (within 4σ)', async (t) => {
  config.apply(...fromYaml(readFileSync(join(SAMPLES, 'tcp-echo/tcp-echo-20-v2.yaml'), 'utf8')));
  await waitFor(() => gateway.table().revision === config.snapshot().revision);
  const N = 300;
  const replies: string[] = [];
  for (let i = 0; i < N; i += 10) {
    replies.push(...(await Promise.all(Array.from({ length: 10 }, () => tcpExchange('127.0.0.1', gateway.tcpPorts[31400]!, 'hello')))));
  }
  const two = replies.filter((r) => r === 'two hello').length;
  t.equal(replies.filter((r) => r === 'one hello').length + two, N, 'every connection answered');
  t.ok(within4Sigma(two, N, 0.2), `v2 got ${two}/${N}`);
});

t.test('CONNECT through a sidecar reaches a TCP service via the endpoint sidecar', async (t) => {
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: FRONTEND, port: 15001, localAddress: FRONTEND }, () => s.write('CONNECT tcp-echo:9000 HTTP/1.1\r\nHost: tcp-echo:9000\r\n\r\n'));
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.startsWith('HTTP/1.1 200') && buf.includes('\r\n\r\n') && !buf.includes('hi')) s.write('hi');
      const at = buf.indexOf('\r\n\r\n');
      if (at >= 0 && buf.length > at + 4) {
        resolve(buf.slice(at + 4));
        s.end();
      }
    });
    s.once('error', reject);
  });
  t.match(reply, /^(one|two) hi$/);
  t.ok((await metrics.render()).includes('istio_tcp_connections_opened_total{reporter="destination"'), 'inbound sidecar reports the TCP connection');
});
