// The HorizontalPodAutoscaler controller (reconcileAutoscaler): every sync
// period it reads the target's scale subresource, asks the metrics for a
// replica count, normalizes it (stabilization, behavior policies, min/max),
// writes the scale and the HPA's status, and records SuccessfulRescale /
// FailedGetScale / FailedComputeMetricsReplicas events with Kubernetes'
// messages. reconcile(key) re-reads everything; the only state kept between
// runs is the recommendation and scale-event history the stabilization
// windows need (in memory, as in kube-controller-manager).

import type { Client, Clock, HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerStatus, KubeObject, LabelSelector, Pod } from '../../api/index.ts';
import { HORIZONTAL_POD_AUTOSCALERS, isApiError, matchesSelector, resourceTypeForKind, systemClock } from '../../api/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../../runtime/index.ts';
import { createEventRecorder } from '../../runtime/index.ts';
import { splitKey } from '../keys.ts';
import { setCondition } from './conditions.ts';
import { computeReplicasForMetrics } from './compute-metrics.ts';
import type { HpaMetricsClient } from './metrics-client.ts';
import { ScalingHistory } from './normalize.ts';
import { DEFAULT_CPU_INITIALIZATION_PERIOD_MS, DEFAULT_INITIAL_READINESS_DELAY_MS, DEFAULT_TOLERANCE } from './replica-calculator.ts';

/** kube-controller-manager's --horizontal-pod-autoscaler-sync-period. */
export const DEFAULT_HPA_SYNC_PERIOD_MS = 15_000;
/** --horizontal-pod-autoscaler-downscale-stabilization. */
export const DEFAULT_DOWNSCALE_STABILIZATION_MS = 300_000;

export interface HpaReconcilerOptions {
  client: Client;
  metrics: HpaMetricsClient;
  /** Pods of a namespace (an informer's cache in the cluster). */
  pods(namespace: string): Pod[];
  clock?: Clock;
  recorder?: EventRecorder;
  syncPeriodMs?: number;
  downscaleStabilizationMs?: number;
  tolerance?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
}

interface ScaleTarget {
  object: KubeObject<{ replicas?: number; selector?: LabelSelector }, { replicas?: number }>;
  type: NonNullable<ReturnType<typeof resourceTypeForKind>>;
}

export function createHpaReconciler(options: HpaReconcilerOptions): Reconciler & { readonly history: ScalingHistory } {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const recorder = options.recorder ?? createEventRecorder(client, 'horizontal-pod-autoscaler', undefined, clock);
  const syncPeriodMs = options.syncPeriodMs ?? DEFAULT_HPA_SYNC_PERIOD_MS;
  const history = new ScalingHistory(options.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS);
  const again: ReconcileResult = { requeueAfterMs: syncPeriodMs };

  async function scaleTarget(hpa: HorizontalPodAutoscaler): Promise<ScaleTarget> {
    const ref = hpa.spec?.scaleTargetRef;
    const type = ref ? resourceTypeForKind(ref.apiVersion ?? 'apps/v1', ref.kind) : undefined;
    if (!ref || !type || !type.subresources.includes('scale')) {
      throw new Error(`the server could not find the requested resource: no scale subresource for ${ref?.apiVersion ?? ''} ${ref?.kind ?? ''}`);
    }
    const object = await client.get<ScaleTarget['object']>(type, hpa.metadata.namespace, ref.name);
    if (!object) throw new Error(`${type.plural}.${type.group || 'core'} "${ref.name}" not found`);
    return { object, type };
  }

  async function writeStatus(hpa: HorizontalPodAutoscaler, status: HorizontalPodAutoscalerStatus): Promise<void> {
    if (JSON.stringify(hpa.status ?? {}) === JSON.stringify(status)) return;
    await client.updateStatus(HORIZONTAL_POD_AUTOSCALERS, { ...hpa, status });
  }

  return {
    name: 'horizontal-pod-autoscaler',
    history,
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const hpa = await client.get<HorizontalPodAutoscaler>(HORIZONTAL_POD_AUTOSCALERS, namespace, name);
      if (!hpa) {
        history.forget(key);
        return;
      }
      const now = clock.now();
      const nowIso = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const spec = hpa.spec!;
      let conditions: HorizontalPodAutoscalerCondition[] = hpa.status?.conditions ?? [];
      const cond = (type: HorizontalPodAutoscalerCondition['type'], status: 'True' | 'False', reason: string, message: string) => {
        conditions = setCondition(conditions, type, status, reason, message, nowIso);
      };
      const base: HorizontalPodAutoscalerStatus = { ...hpa.status, observedGeneration: hpa.metadata.generation };

      let target: ScaleTarget;
      try {
        target = await scaleTarget(hpa);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        recorder.record(hpa, 'Warning', 'FailedGetScale', message);
        cond('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${message}`);
        await writeStatus(hpa, { ...base, conditions });
        return again;
      }
      cond('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
      const currentReplicas = target.object.spec?.replicas ?? 1;
      history.recordInitial(key, currentReplicas, now);
      const minReplicas = spec.minReplicas ?? 1;
      let desired = currentReplicas;
      let rescaleReason = '';
      let rescale = true;
      let statuses = hpa.status?.currentMetrics ?? [];
      if (currentReplicas === 0 && minReplicas !== 0) {
        rescale = false;
        desired = 0;
        cond('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
      } else if (currentReplicas > spec.maxReplicas) {
        rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
        desired = spec.maxReplicas;
      } else if (currentReplicas < minReplicas) {
        rescaleReason = 'Current number of replicas below Spec.MinReplicas';
        desired = minReplicas;
      } else {
        const selector = target.object.spec?.selector;
        const pods = options.pods(hpa.metadata.namespace ?? 'default').filter((p) => selector && matchesSelector(p.metadata.labels, selector));
        const outcome = computeReplicasForMetrics({
          hpa,
          currentReplicas,
          statusReplicas: target.object.status?.replicas ?? currentReplicas,
          pods,
          metrics: options.metrics,
          calc: {
            tolerance: options.tolerance ?? DEFAULT_TOLERANCE,
            cpuInitializationPeriodMs: options.cpuInitializationPeriodMs ?? DEFAULT_CPU_INITIALIZATION_PERIOD_MS,
            initialReadinessDelayMs: options.initialReadinessDelayMs ?? DEFAULT_INITIAL_READINESS_DELAY_MS,
            nowMs: now,
          },
        });
        statuses = outcome.statuses;
        if (outcome.replicas === -1) {
          const error = outcome.error;
          const message = error?.message ?? 'no metrics';
          cond('ScalingActive', 'False', error?.reason ?? 'FailedGetResourceMetric', `the HPA was unable to compute the replica count: ${message}`);
          recorder.record(hpa, 'Warning', error?.reason ?? 'FailedGetResourceMetric', message);
          recorder.record(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (${outcome.invalidCount} invalid out of ${spec.metrics?.length ?? 0}), first error is: ${message}`);
          await writeStatus(hpa, { ...base, currentReplicas, desiredReplicas: hpa.status?.desiredReplicas ?? currentReplicas, currentMetrics: statuses, conditions });
          return again;
        }
        cond('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${outcome.metricName}`);
        const normalized = history.normalize({ key, currentReplicas, recommended: outcome.replicas, minReplicas, maxReplicas: spec.maxReplicas, behavior: spec.behavior, nowMs: now });
        cond('AbleToScale', 'True', normalized.ableToScale.reason, normalized.ableToScale.message);
        cond('ScalingLimited', normalized.scalingLimited.limited ? 'True' : 'False', normalized.scalingLimited.reason, normalized.scalingLimited.message);
        desired = normalized.replicas;
        rescale = desired !== currentReplicas;
        if (desired > currentReplicas) rescaleReason = `${outcome.metricName} above target`;
        if (desired < currentReplicas) rescaleReason = 'All metrics below target';
      }

      let lastScaleTime = hpa.status?.lastScaleTime;
      if (rescale) {
        try {
          await client.patch(target.type, hpa.metadata.namespace, target.object.metadata.name, 'merge', { spec: { replicas: desired } }, { subresource: 'scale' });
        } catch (err) {
          if (isApiError(err, 'Conflict')) throw err;
          const message = err instanceof Error ? err.message : String(err);
          recorder.record(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${message}`);
          cond('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${message}`);
          await writeStatus(hpa, { ...base, currentReplicas, desiredReplicas: currentReplicas, currentMetrics: statuses, conditions });
          return again;
        }
        cond('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
        recorder.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
        history.recordScale(key, currentReplicas, desired, spec.behavior, now);
        lastScaleTime = nowIso;
      } else {
        desired = currentReplicas;
      }
      await writeStatus(hpa, {
        ...base,
        currentReplicas,
        desiredReplicas: desired,
        currentMetrics: statuses,
        conditions,
        ...(lastScaleTime ? { lastScaleTime } : {}),
      });
      return again;
    },
  };
}
