// What the HPA controller asks of the metrics APIs, as client-go's
// metrics clients do (resource metrics from metrics.k8s.io, pod and object
// metrics from custom.metrics.k8s.io). The in-process implementation reads
// the same sources the API server serves; unit tests pass a fake.

import type { CrossVersionObjectReference, MeshRateSource, ResourceMetricsSource } from '../../api/index.ts';
import type { PodMetric } from './replica-calculator.ts';
import { MetricError } from './replica-calculator.ts';

export interface HpaMetricsClient {
  /** Per pod of the namespace: usage of `resource` in milli-units (all containers, or one). */
  resourceMetrics(namespace: string, resource: string, container?: string): Map<string, PodMetric>;
  /** Per pod: the custom metric in milli-units. */
  podMetrics(namespace: string, metricName: string): Map<string, PodMetric>;
  /** The described object's metric in milli-units. */
  objectMetric(namespace: string, object: CrossVersionObjectReference, metricName: string): PodMetric;
}

export function createInProcessMetricsClient(resources: ResourceMetricsSource, rates?: MeshRateSource): HpaMetricsClient {
  return {
    resourceMetrics(namespace, resource, container) {
      if (resource !== 'cpu' && resource !== 'memory') throw new MetricError('FailedGetResourceMetric', `unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
      const out = new Map<string, PodMetric>();
      for (const p of resources.podUsage()) {
        if (p.namespace !== namespace) continue;
        const containers = container ? p.containers.filter((c) => c.name === container) : p.containers;
        if (containers.length === 0) continue;
        const value = containers.reduce((n, c) => n + (resource === 'cpu' ? c.cpuCores * 1000 : c.memoryBytes * 1000), 0);
        out.set(p.name, { value: Math.round(value), timestampMs: p.timestampMs, windowMs: p.windowMs });
      }
      return out;
    },
    podMetrics(namespace, metricName) {
      const window = rates?.window();
      if (!rates || !window || !rates.metricNames.includes(metricName)) {
        throw new MetricError('FailedGetPodsMetric', `unable to get metric ${metricName}: no metrics returned from custom metrics API`);
      }
      const out = new Map<string, PodMetric>();
      for (const p of resources.podUsage()) {
        if (p.namespace !== namespace) continue;
        out.set(p.name, { value: Math.round(rates.podRate(metricName, namespace, p.name) * 1000), ...window });
      }
      return out;
    },
    objectMetric(namespace, object, metricName) {
      const window = rates?.window();
      if (!rates || !window || !rates.metricNames.includes(metricName) || object.kind !== 'Service') {
        throw new MetricError('FailedGetObjectMetric', `unable to get metric ${metricName}: ${object.kind}/${object.name}: no metrics returned from custom metrics API`);
      }
      return { value: Math.round(rates.serviceRate(metricName, namespace, object.name) * 1000), ...window };
    },
  };
}
