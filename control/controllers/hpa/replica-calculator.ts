// The replica arithmetic of kube-controller-manager's HPA
// (pkg/controller/podautoscaler/replica_calculator.go), as pure functions:
//   desired = ceil(current × currentMetric / targetMetric), with a tolerance
// (default 0.1) inside which nothing changes. Pods being deleted, failed or
// pending are ignored; pods without a metric count as 100% of the target on a
// scale-down and 0% on a scale-up; for CPU, pods not yet ready (or whose
// sample predates their readiness) count as 0% on a scale-up. A
// recomputation that would flip the direction of scaling keeps the current
// count.

import type { Pod } from '../../api/index.ts';
import { toMilli } from './quantities.ts';

export const DEFAULT_TOLERANCE = 0.1;
/** --horizontal-pod-autoscaler-cpu-initialization-period */
export const DEFAULT_CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** --horizontal-pod-autoscaler-initial-readiness-delay */
export const DEFAULT_INITIAL_READINESS_DELAY_MS = 30_000;

export interface PodMetric {
  /** milli-units */
  value: number;
  timestampMs: number;
  windowMs: number;
}

export interface CalculatorOptions {
  tolerance: number;
  cpuInitializationPeriodMs: number;
  initialReadinessDelayMs: number;
  nowMs: number;
}

/** A metric that cannot be computed; the message becomes the ScalingActive condition / event. */
export class MetricError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

interface PodGroups {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

function readyCondition(pod: Pod): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

function groupPods(pods: Pod[], metrics: Map<string, PodMetric>, cpu: boolean, o: CalculatorOptions): PodGroups {
  const groups: PodGroups = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name;
    const phase = pod.status?.phase;
    if (pod.metadata.deletionTimestamp || phase === 'Failed' || phase === 'Pending' || phase === undefined) {
      groups.ignored.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      groups.missing.add(name);
      continue;
    }
    if (cpu) {
      const condition = readyCondition(pod);
      const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
      let unready: boolean;
      if (!condition || start === undefined) unready = true;
      else {
        const transition = condition.lastTransitionTime ? Date.parse(condition.lastTransitionTime) : start;
        if (start + o.cpuInitializationPeriodMs > o.nowMs) {
          // Still initializing: a sample counts only once a full window has passed since the pod turned ready.
          unready = condition.status === 'False' || metric.timestampMs < transition + metric.windowMs;
        } else {
          // Later, only a pod that has never been ready is discounted.
          unready = condition.status === 'False' && start + o.initialReadinessDelayMs > transition;
        }
      }
      if (unready) {
        groups.unready.add(name);
        continue;
      }
    }
    groups.readyCount++;
  }
  return groups;
}

function without(metrics: Map<string, PodMetric>, names: Set<string>): Map<string, PodMetric> {
  return new Map([...metrics].filter(([name]) => !names.has(name)));
}

export interface ReplicaResult {
  replicas: number;
  /** Resource Utilization: average utilization in percent of requests. */
  utilization?: number;
  /** Average value in milli-units (the status' averageValue). */
  averageMilli: number;
}

function utilizationRatio(metrics: Map<string, PodMetric>, requests: Map<string, number>, target: number): { ratio: number; utilization: number; average: number } {
  let used = 0;
  let requested = 0;
  let counted = 0;
  for (const [name, m] of metrics) {
    const req = requests.get(name);
    if (req === undefined) continue;
    used += m.value;
    requested += req;
    counted++;
  }
  if (counted === 0 || requested === 0) throw new MetricError('FailedGetResourceMetric', 'no metrics returned matched known pods');
  const utilization = Math.trunc((used * 100) / requested);
  return { ratio: utilization / target, utilization, average: Math.trunc(used / counted) };
}

function plainRatio(metrics: Map<string, PodMetric>, target: number): { ratio: number; average: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / target, average };
}

/** Sum of the containers' requests per pod (milli-units); a container without one is an error, as in Kubernetes. */
export function podRequests(pods: Pod[], resource: string, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) {
      if (container && c.name !== container) continue;
      const req = c.resources?.requests?.[resource];
      if (req === undefined) throw new MetricError('FailedGetResourceMetric', `missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += toMilli(req);
    }
    out.set(pod.metadata.name, sum);
  }
  return out;
}

function activePods(pods: Pod[]): Pod[] {
  if (pods.length === 0) throw new MetricError('FailedGetResourceMetric', 'no pods returned by selector while calculating replica count');
  return pods;
}

/** Resource metric with a Utilization target (percent of requests). */
export function resourceUtilizationReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  pods: Pod[],
  metricsIn: Map<string, PodMetric>,
  o: CalculatorOptions,
  container?: string,
): ReplicaResult {
  activePods(pods);
  const g = groupPods(pods, metricsIn, resource === 'cpu', o);
  let metrics = without(without(metricsIn, g.ignored), g.unready);
  metrics = new Map([...metrics].filter(([name]) => pods.some((p) => p.metadata.name === name)));
  if (metrics.size === 0) throw new MetricError('FailedGetResourceMetric', 'did not receive metrics for targeted pods (pods might be unready)');
  const requests = podRequests(pods.filter((p) => !g.ignored.has(p.metadata.name)), resource, container);
  const first = utilizationRatio(metrics, requests, targetUtilization);
  const base = { utilization: first.utilization, averageMilli: first.average };
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= o.tolerance) return { replicas: currentReplicas, ...base };
    return { replicas: Math.ceil(first.ratio * g.readyCount), ...base };
  }
  const filled = new Map(metrics);
  if (g.missing.size > 0) {
    const fallback = Math.max(100, targetUtilization);
    for (const name of g.missing) {
      if (first.ratio < 1) filled.set(name, { value: ((requests.get(name) ?? 0) * fallback) / 100, timestampMs: o.nowMs, windowMs: 0 });
      else if (first.ratio > 1) filled.set(name, { value: 0, timestampMs: o.nowMs, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const name of g.unready) filled.set(name, { value: 0, timestampMs: o.nowMs, windowMs: 0 });
  const second = utilizationRatio(filled, requests, targetUtilization);
  return { replicas: settle(currentReplicas, first.ratio, second.ratio, filled.size, o.tolerance), ...base };
}

/** The second pass: no change within tolerance or when the direction would flip. */
function settle(currentReplicas: number, ratio: number, newRatio: number, counted: number, tolerance: number): number {
  if (Math.abs(1 - newRatio) <= tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return currentReplicas;
  const replicas = Math.ceil(newRatio * counted);
  if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) return currentReplicas;
  return replicas;
}

/**
 * Average-value metrics per pod: Pods metrics, and Resource metrics with an AverageValue target
 * (`resource` set: CPU readiness rules apply). Missing pods count as the target on a scale-down
 * and 0 on a scale-up.
 */
export function averageValueReplicas(currentReplicas: number, targetMilli: number, pods: Pod[], metricsIn: Map<string, PodMetric>, o: CalculatorOptions, resource?: string): ReplicaResult {
  activePods(pods);
  const g = groupPods(pods, metricsIn, resource === 'cpu', o);
  let metrics = without(without(metricsIn, g.ignored), g.unready);
  metrics = new Map([...metrics].filter(([name]) => pods.some((p) => p.metadata.name === name)));
  if (metrics.size === 0) throw new MetricError('FailedGetPodsMetric', 'did not receive metrics for targeted pods (pods might be unready)');
  const first = plainRatio(metrics, targetMilli);
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= o.tolerance) return { replicas: currentReplicas, averageMilli: first.average };
    return { replicas: Math.ceil(first.ratio * metrics.size), averageMilli: first.average };
  }
  const filled = new Map(metrics);
  for (const name of g.missing) {
    if (first.ratio < 1) filled.set(name, { value: targetMilli, timestampMs: o.nowMs, windowMs: 0 });
    else if (first.ratio > 1) filled.set(name, { value: 0, timestampMs: o.nowMs, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const name of g.unready) filled.set(name, { value: 0, timestampMs: o.nowMs, windowMs: 0 });
  const second = plainRatio(filled, targetMilli);
  return { replicas: settle(currentReplicas, first.ratio, second.ratio, filled.size, o.tolerance), averageMilli: first.average };
}

function readyPods(pods: Pod[]): number {
  return pods.filter((p) => p.status?.phase === 'Running' && readyCondition(p)?.status === 'True' && !p.metadata.deletionTimestamp).length;
}

/** Object metric with a Value target: scales the ready pods by value / target. */
export function objectValueReplicas(currentReplicas: number, valueMilli: number, targetMilli: number, pods: Pod[], tolerance: number): ReplicaResult {
  const ratio = valueMilli / targetMilli;
  if (currentReplicas === 0) return { replicas: Math.ceil(ratio), averageMilli: valueMilli };
  if (Math.abs(1 - ratio) <= tolerance) return { replicas: currentReplicas, averageMilli: valueMilli };
  return { replicas: Math.ceil(ratio * readyPods(pods)), averageMilli: valueMilli };
}

/** Object metric with an AverageValue target: value spread over the target's replicas. */
export function objectAverageValueReplicas(statusReplicas: number, valueMilli: number, targetMilli: number, tolerance: number): ReplicaResult {
  let replicas = statusReplicas;
  const ratio = valueMilli / (targetMilli * statusReplicas);
  if (Math.abs(1 - ratio) > tolerance) replicas = Math.ceil(valueMilli / targetMilli);
  return { replicas, averageMilli: Math.ceil(valueMilli / Math.max(1, statusReplicas)) };
}
