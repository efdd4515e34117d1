// The one adapter of prom-client: the metric classes the mesh uses, the
// per-process registry of process_*/nodejs_*, and rendering several
// registries as one exposition. Everything else imports from here.

import { Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Histogram, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * process_* and nodejs_* for this Node process. One registry per process:
 * these describe the process, not a cluster, and collectDefaultMetrics refuses
 * to register twice on one registry.
 */
export function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Prometheus text of several registries, as one exposition (their metric names must not overlap). */
export async function renderRegistries(registries: readonly Registry[]): Promise<string> {
  const texts = await Promise.all(registries.map((r) => r.metrics()));
  return texts.map((t) => (t === '' || t.endsWith('\n') ? t : `${t}\n`)).join('');
}
