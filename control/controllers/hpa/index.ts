// control/controllers/hpa: the HorizontalPodAutoscaler controller.

export type { HpaMetricsClient } from './metrics-client.ts';
export { createInProcessMetricsClient } from './metrics-client.ts';
export type { HpaReconcilerOptions } from './reconciler.ts';
export { createHpaReconciler, DEFAULT_HPA_SYNC_PERIOD_MS, DEFAULT_DOWNSCALE_STABILIZATION_MS } from './reconciler.ts';
export type { HpaControllerOptions, RunningHpaController } from './start.ts';
export { startHpaController } from './start.ts';
export type { PodMetric } from './replica-calculator.ts';
export { DEFAULT_TOLERANCE } from './replica-calculator.ts';
