// autoscaling/v1 ⇄ autoscaling/v2 HorizontalPodAutoscaler, as kube-apiserver
// converts them: v1 knows one CPU utilization target
// (spec.targetCPUUtilizationPercentage, status.currentCPUUtilizationPercentage);
// v2 expresses it as a Resource metric. Objects are stored as v2. What v1
// cannot express (other metrics, behavior) is not carried through a v1 write:
// kube-apiserver keeps it in alpha annotations, meshlet does not.

import type { HorizontalPodAutoscaler, MetricSpec, ObjectInput } from '../api/index.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function cpuUtilizationTarget(metrics: MetricSpec[] | undefined): number | undefined {
  const cpu = metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization');
  return cpu?.resource?.target.averageUtilization;
}

/** A v1 body (create or update) as the v2 object to store. */
export function hpaV1ToV2(body: ObjectInput): ObjectInput {
  const spec = isObj(body['spec']) ? body['spec'] : {};
  const { targetCPUUtilizationPercentage, ...rest } = spec as Obj & { targetCPUUtilizationPercentage?: unknown };
  const metrics: MetricSpec[] | undefined =
    typeof targetCPUUtilizationPercentage === 'number'
      ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCPUUtilizationPercentage } } }]
      : undefined;
  const out: ObjectInput = { ...body, spec: { ...rest, ...(metrics ? { metrics } : {}) } };
  const status = body['status'];
  delete out['status'];
  // An empty status (protobuf bodies always carry one) is no status: v2 requires desiredReplicas in one.
  if (isObj(status) && Object.keys(status).length > 0) {
    const { currentCPUUtilizationPercentage, ...statusRest } = status as Obj & { currentCPUUtilizationPercentage?: unknown };
    out['status'] = {
      ...statusRest,
      ...(typeof currentCPUUtilizationPercentage === 'number'
        ? { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: currentCPUUtilizationPercentage } } }] }
        : {}),
    };
  }
  return out;
}

/** The stored v2 object as a v1 client sees it. */
export function hpaV2ToV1(obj: HorizontalPodAutoscaler): Obj {
  const spec = obj.spec;
  const target = cpuUtilizationTarget(spec?.metrics);
  const status = obj.status ?? {};
  const currentCpu = status.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current.averageUtilization;
  return {
    ...obj,
    apiVersion: 'autoscaling/v1',
    spec: {
      scaleTargetRef: spec?.scaleTargetRef,
      ...(spec?.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec?.maxReplicas,
      ...(target !== undefined ? { targetCPUUtilizationPercentage: target } : {}),
    },
    status: {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      ...(currentCpu !== undefined ? { currentCPUUtilizationPercentage: currentCpu } : {}),
    },
  };
}
