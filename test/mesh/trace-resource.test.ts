// Spans from real sidecars carry their workload's own service.name, as
// Istio's proxies report (`productpage.default`), and the inbound span names
// the local cluster `inbound|9080||`.

import t from 'tap';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTracerPipeline } from '../../control/telemetry/index.ts';
import { startSidecar, StaticConfigSource, traceServiceName, workloadOfPod } from '../../mesh/index.ts';
import type { Pod } from '../../control/api/index.ts';
import { destroyAgents, pod, service, startBackend, viaProxy, waitFor } from './fixtures.ts';

const NET = '127.250.39';

t.test('each sidecar reports as its workload; the inbound span names inbound|9080||', async (t) => {
  const productpage = pod('productpage-v1-abc12-xyz12', `${NET}.10`, { app: 'productpage', version: 'v1' }, { ports: [9080], replicaSet: 'productpage-v1-abc12' });
  const reviews = pod('reviews-v1-abc12-xyz12', `${NET}.11`, { app: 'reviews', version: 'v1' }, { ports: [9080], replicaSet: 'reviews-v1-abc12' });
  const app = await startBackend('reviews-v1', `${NET}.11`, 9080);
  const config = new StaticConfigSource({ pods: [productpage, reviews], services: [service('reviews', { app: 'reviews' }, [{ port: 9080 }])] });
  const exporter = new InMemorySpanExporter();
  const pipeline = createTracerPipeline({ serviceName: 'meshlet', exporters: [exporter] });
  const sidecarOf = (p: Pod) => startSidecar({
    identity: { kind: 'sidecar', name: p.metadata.name, namespace: 'default', labels: p.metadata.labels ?? {} },
    podIp: p.status!.podIP!,
    config,
    tracer: pipeline.tracerFor(traceServiceName(workloadOfPod(p))),
  });
  const client = await sidecarOf(productpage);
  const server = await sidecarOf(reviews);
  t.teardown(async () => {
    destroyAgents();
    await client.close();
    await server.close();
    await app.close();
    await pipeline.shutdown();
  });

  const res = await viaProxy({ host: `${NET}.10`, port: 15001 }, 'http://reviews:9080/reviews/0', { localAddress: `${NET}.10` });
  t.equal(res.status, 200, res.body);
  await waitFor(() => exporter.getFinishedSpans().length >= 2, 10_000, 'client and server spans');
  const spans = exporter.getFinishedSpans();
  const clientSpan = spans.find((s) => s.kind === 2);
  const serverSpan = spans.find((s) => s.kind === 1);
  t.equal(clientSpan?.resource.attributes['service.name'], 'productpage.default', 'the caller\'s sidecar reports as productpage.default');
  t.equal(serverSpan?.resource.attributes['service.name'], 'reviews.default', 'the callee\'s sidecar reports as reviews.default');
  t.equal(clientSpan?.attributes.upstream_cluster, 'outbound|9080||reviews.default.svc.cluster.local');
  t.equal(serverSpan?.attributes.upstream_cluster, 'inbound|9080||', 'the inbound span names the local cluster');
  t.equal(serverSpan?.attributes['upstream_cluster.name'], 'inbound|9080||');
  t.equal(serverSpan?.parentSpanContext?.spanId, clientSpan?.spanContext().spanId, 'one trace across both workloads');
});
