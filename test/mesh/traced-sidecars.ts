// Two real sidecars with tracing, as trace tests need them: productpage's
// (the caller, at NET.10) and reviews' (the callee, at NET.11, in front of a
// backend on :9080), each reporting under its workload's service.name into
// one in-memory exporter. Everything is closed at the test's teardown.

import type { Test } from 'tap';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTracerPipeline } from '../../control/telemetry/index.ts';
import { startSidecar, StaticConfigSource, traceServiceName, workloadOfPod } from '../../mesh/index.ts';
import type { Pod } from '../../control/api/index.ts';
import { destroyAgents, pod, service, startBackend } from './fixtures.ts';
import type { Backend } from './fixtures.ts';

export interface TracedSidecars {
  exporter: InMemorySpanExporter;
  /** The reviews app behind the callee's sidecar. */
  app: Backend;
}

export async function startTracedSidecars(t: Test, net: string): Promise<TracedSidecars> {
  const productpage = pod('productpage-v1-abc12-xyz12', `${net}.10`, { app: 'productpage', version: 'v1' }, { ports: [9080], replicaSet: 'productpage-v1-abc12' });
  const reviews = pod('reviews-v1-abc12-xyz12', `${net}.11`, { app: 'reviews', version: 'v1' }, { ports: [9080], replicaSet: 'reviews-v1-abc12' });
  const app = await startBackend('reviews-v1', `${net}.11`, 9080);
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
  return { exporter, app };
}
