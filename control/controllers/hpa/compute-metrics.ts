// One replica proposal per metric of the HPA, the highest wins
// (computeReplicasForMetrics). A metric that cannot be computed is skipped,
// unless all are, or the rest would scale down: then nothing changes and the
// first error is reported.

import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus, Pod } from '../../api/index.ts';
import type { HpaMetricsClient } from './metrics-client.ts';
import type { CalculatorOptions, ReplicaResult } from './replica-calculator.ts';
import {
  MetricError, averageValueReplicas, objectAverageValueReplicas, objectValueReplicas, resourceUtilizationReplicas,
} from './replica-calculator.ts';
import { formatMilli, toMilli } from './quantities.ts';

export interface MetricsOutcome {
  /** -1 when no proposal may be applied. */
  replicas: number;
  /** Name of the metric behind the proposal (event reasons). */
  metricName: string;
  statuses: MetricStatus[];
  error?: MetricError;
  invalidCount: number;
}

interface Proposal {
  result: ReplicaResult;
  name: string;
  status: MetricStatus;
}

export interface ComputeInput {
  hpa: HorizontalPodAutoscaler;
  currentReplicas: number;
  /** The target's status.replicas (Object AverageValue divides by it). */
  statusReplicas: number;
  pods: Pod[];
  metrics: HpaMetricsClient;
  calc: CalculatorOptions;
}

function proposalFor(spec: MetricSpec, i: ComputeInput): Proposal {
  const namespace = i.hpa.metadata.namespace ?? 'default';
  const current = i.currentReplicas;
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource': {
      const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      if (!source) throw new MetricError('InvalidMetricSourceType', `metric spec of type ${spec.type} has no ${spec.type === 'Resource' ? 'resource' : 'containerResource'}`);
      const container = spec.type === 'ContainerResource' ? spec.containerResource?.container : undefined;
      const metrics = i.metrics.resourceMetrics(namespace, source.name, container);
      const what = spec.type === 'Resource' ? `${source.name} resource` : `${source.name} container resource`;
      if (source.target.type === 'Utilization') {
        const target = source.target.averageUtilization ?? 80;
        const result = resourceUtilizationReplicas(current, target, source.name, i.pods, metrics, i.calc, container);
        const currentStatus = { averageUtilization: result.utilization, averageValue: formatMilli(result.averageMilli) };
        const status: MetricStatus =
          spec.type === 'Resource'
            ? { type: 'Resource', resource: { name: source.name, current: currentStatus } }
            : { type: 'ContainerResource', containerResource: { name: source.name, container: container ?? '', current: currentStatus } };
        return { result, name: `${what} utilization (percentage of request)`, status };
      }
      const result = averageValueReplicas(current, toMilli(source.target.averageValue ?? '0'), i.pods, metrics, i.calc, source.name);
      const currentStatus = { averageValue: formatMilli(result.averageMilli) };
      const status: MetricStatus =
        spec.type === 'Resource'
          ? { type: 'Resource', resource: { name: source.name, current: currentStatus } }
          : { type: 'ContainerResource', containerResource: { name: source.name, container: container ?? '', current: currentStatus } };
      return { result, name: what, status };
    }
    case 'Pods': {
      const pods = spec.pods;
      if (!pods) throw new MetricError('InvalidMetricSourceType', 'metric spec of type Pods has no pods');
      const metrics = i.metrics.podMetrics(namespace, pods.metric.name);
      const result = averageValueReplicas(current, toMilli(pods.target.averageValue ?? '0'), i.pods, metrics, i.calc);
      return { result, name: `pods metric ${pods.metric.name}`, status: { type: 'Pods', pods: { metric: pods.metric, current: { averageValue: formatMilli(result.averageMilli) } } } };
    }
    case 'Object': {
      const object = spec.object;
      if (!object) throw new MetricError('InvalidMetricSourceType', 'metric spec of type Object has no object');
      const value = i.metrics.objectMetric(namespace, object.describedObject, object.metric.name).value;
      const name = `${object.describedObject.kind} metric ${object.metric.name}`;
      if (object.target.type === 'AverageValue') {
        const result = objectAverageValueReplicas(i.statusReplicas, value, toMilli(object.target.averageValue ?? '0'), i.calc.tolerance);
        return { result, name, status: { type: 'Object', object: { describedObject: object.describedObject, metric: object.metric, current: { averageValue: formatMilli(result.averageMilli) } } } };
      }
      const result = objectValueReplicas(current, value, toMilli(object.target.value ?? '0'), i.pods, i.calc.tolerance);
      return { result, name, status: { type: 'Object', object: { describedObject: object.describedObject, metric: object.metric, current: { value: formatMilli(value) } } } };
    }
    default:
      throw new MetricError('InvalidMetricSourceType', `the HPA was unable to compute the replica count: unrecognized metric source type ${JSON.stringify(spec.type)} (External metrics are not served)`);
  }
}

export function computeReplicasForMetrics(i: ComputeInput): MetricsOutcome {
  const specs = i.hpa.spec?.metrics ?? [];
  const statuses: MetricStatus[] = [];
  let best: Proposal | undefined;
  let firstError: MetricError | undefined;
  let invalidCount = 0;
  for (const spec of specs) {
    try {
      const p = proposalFor(spec, i);
      statuses.push(p.status);
      if (!best || p.result.replicas > best.result.replicas) best = p;
    } catch (err) {
      const error = err instanceof MetricError ? err : new MetricError('FailedGetResourceMetric', err instanceof Error ? err.message : String(err));
      firstError ??= error;
      invalidCount++;
      statuses.push({ type: spec.type });
    }
  }
  if (!best || (invalidCount > 0 && best.result.replicas < i.currentReplicas)) {
    return { replicas: -1, metricName: '', statuses, error: firstError, invalidCount };
  }
  return { replicas: best.result.replicas, metricName: best.name, statuses, invalidCount };
}
