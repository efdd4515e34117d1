// Spans reach the in-memory ring always, and an OTLP/HTTP collector when an
// endpoint is configured (as OTEL_EXPORTER_OTLP_ENDPOINT does).

import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanRing, createTracerPipeline } from '../../control/telemetry/index.ts';

t.test('the pipeline feeds the ring and an OTLP collector', async (t) => {
  const received: { path: string; body: string; contentType: string }[] = [];
  const collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), contentType: String(req.headers['content-type']) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  t.teardown(() => collector.close());
  const port = (collector.address() as AddressInfo).port;

  const ring = new SpanRing(10);
  const pipeline = createTracerPipeline({ serviceName: 'meshlet-test', exporters: [ring], otlpEndpoint: `http://127.0.0.1:${port}` });
  const tracer = pipeline.tracer('test');
  const parent = tracer.startSpan('reviews.default.svc.cluster.local:9080/*', { attributes: { node_id: 'sidecar~127.244.1.2~reviews-v1-abc.default~default.svc.cluster.local' } });
  parent.end();
  await pipeline.forceFlush();

  t.equal(ring.all().length, 1, 'the ring holds the span');
  t.equal(ring.all()[0]!.service, 'reviews-v1-abc', 'spans are attributed to the proxy in node_id');
  t.equal(received.length, 1, 'one export request reached the collector');
  t.equal(received[0]!.path, '/v1/traces');
  t.match(received[0]!.body, 'reviews.default.svc.cluster.local:9080/*');
  t.match(received[0]!.body, parent.spanContext().traceId);
  await pipeline.shutdown();
});

t.test('the ring keeps the newest spans and groups them into traces', async (t) => {
  const ring = new SpanRing(3);
  const pipeline = createTracerPipeline({ serviceName: 'meshlet-test', exporters: [ring] });
  const tracer = pipeline.tracer('test');
  for (let i = 0; i < 5; i++) tracer.startSpan(`span-${i}`).end();
  await pipeline.forceFlush();
  t.same(ring.all().map((s) => s.name), ['span-2', 'span-3', 'span-4']);
  t.equal(ring.traces(10).length, 3, 'separate root spans are separate traces');
  await pipeline.shutdown();
});
