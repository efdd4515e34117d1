// Each workload's spans carry its own resource service.name (as Istio's
// proxies report `productpage.default`), through one shared pipeline: the
// in-memory exporters and a single OTLP stream that groups spans per service.

import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { SpanRing, createTracerPipeline } from '../../control/telemetry/index.ts';

interface OtlpBody {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { name: string }[] }[] }[];
}

t.test('tracerFor gives each workload its own resource over one set of processors', async (t) => {
  const bodies: OtlpBody[] = [];
  const collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  t.teardown(() => collector.close());
  const memory = new InMemorySpanExporter();
  const ring = new SpanRing(10);
  const pipeline = createTracerPipeline({ serviceName: 'meshlet', exporters: [memory, ring], otlpEndpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` });

  pipeline.tracerFor('productpage.default').startSpan('to-reviews').end();
  pipeline.tracerFor('reviews.default').startSpan('from-productpage').end();
  pipeline.tracerFor('productpage.default').startSpan('to-details').end();
  pipeline.tracer('control-plane').startSpan('own').end();
  await pipeline.forceFlush();

  const byName = Object.fromEntries(memory.getFinishedSpans().map((s) => [s.name, s.resource.attributes['service.name']]));
  t.same(byName, { 'to-reviews': 'productpage.default', 'from-productpage': 'reviews.default', 'to-details': 'productpage.default', own: 'meshlet' });
  t.same(ring.all().map((s) => s.serviceName), ['productpage.default', 'reviews.default', 'productpage.default', 'meshlet'], 'the ring shows the resource too');

  t.equal(bodies.length, 1, 'one OTLP request for all workloads');
  const services = bodies[0]!.resourceSpans.map((rs) => ({
    service: rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue,
    spans: rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)).sort(),
  }));
  t.same(
    services.sort((a, b) => String(a.service).localeCompare(String(b.service))),
    [
      { service: 'meshlet', spans: ['own'] },
      { service: 'productpage.default', spans: ['to-details', 'to-reviews'] },
      { service: 'reviews.default', spans: ['from-productpage'] },
    ],
    'one ResourceSpans per service, as Jaeger/Tempo key services',
  );

  await pipeline.shutdown();
  pipeline.tracerFor('late.default').startSpan('after-shutdown').end();
  t.equal(ring.all().length, 4, 'shutdown stops the shared processors for every provider, new ones included');
});
