// Runs the HPA controller over shared informers: a new or deleted HPA is
// reconciled at once, then every sync period (requeueAfterMs), as
// kube-controller-manager resyncs HPAs on --horizontal-pod-autoscaler-sync-period
// rather than on every change.

import type { Client, Clock, HorizontalPodAutoscaler, Pod } from '../../api/index.ts';
import { HORIZONTAL_POD_AUTOSCALERS, PODS, isApiError, objectKeyOf } from '../../api/index.ts';
import { Controller } from '../../runtime/index.ts';
import type { InformerSet } from '../../runtime/index.ts';
import type { HpaMetricsClient } from './metrics-client.ts';
import { createHpaReconciler } from './reconciler.ts';

export interface HpaControllerOptions {
  client: Client;
  informers: InformerSet;
  metrics: HpaMetricsClient;
  clock?: Clock;
  syncPeriodMs?: number;
  downscaleStabilizationMs?: number;
  tolerance?: number;
  onError?: (name: string, key: string, err: unknown) => void;
}

export interface RunningHpaController {
  stop(): Promise<void>;
}

export function startHpaController(options: HpaControllerOptions): RunningHpaController {
  const podInformer = options.informers.for<Pod>(PODS);
  const reconciler = createHpaReconciler({
    client: options.client,
    metrics: options.metrics,
    clock: options.clock,
    syncPeriodMs: options.syncPeriodMs,
    downscaleStabilizationMs: options.downscaleStabilizationMs,
    tolerance: options.tolerance,
    pods: (namespace) => podInformer.list().filter((p) => p.metadata.namespace === namespace),
  });
  const report = options.onError;
  // A status write racing another writer is retried; not worth a report.
  const onError = report ? (name: string, key: string, err: unknown) => (isApiError(err, 'Conflict') || isApiError(err, 'NotFound') ? undefined : report(name, key, err)) : undefined;
  const controller = new Controller(reconciler, { workers: 1, ...(options.clock ? { clock: options.clock } : {}), ...(onError ? { onError } : {}) });
  options.informers.for<HorizontalPodAutoscaler>(HORIZONTAL_POD_AUTOSCALERS).addHandlers({
    onAdd: (hpa) => controller.enqueue(objectKeyOf(hpa)),
    onDelete: (hpa) => controller.enqueue(objectKeyOf(hpa)),
  });
  controller.start();
  return { stop: () => controller.stop() };
}
