// Pods and metrics for the HPA arithmetic tests: pods that have been running
// and ready for an hour unless told otherwise, CPU request 200m each.

import type { Pod } from '../../../control/api/index.ts';
import type { PodMetric } from '../../../control/controllers/hpa/index.ts';

export const NOW = Date.parse('2026-01-01T12:00:00Z');
const HOUR_AGO = new Date(NOW - 3_600_000).toISOString();

export interface PodShape {
  name: string;
  phase?: 'Running' | 'Pending' | 'Failed';
  ready?: boolean;
  deleting?: boolean;
  startedMsAgo?: number;
  readySinceMsAgo?: number;
  cpuRequest?: string | null;
}

export function pod(shape: PodShape): Pod {
  const started = shape.startedMsAgo === undefined ? HOUR_AGO : new Date(NOW - shape.startedMsAgo).toISOString();
  const transition = shape.readySinceMsAgo === undefined ? started : new Date(NOW - shape.readySinceMsAgo).toISOString();
  const request = shape.cpuRequest === undefined ? '200m' : shape.cpuRequest;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: shape.name,
      namespace: 'default',
      uid: `uid-${shape.name}`,
      resourceVersion: '1',
      creationTimestamp: HOUR_AGO,
      labels: { app: 'web' },
      ...(shape.deleting ? { deletionTimestamp: HOUR_AGO } : {}),
    },
    spec: { containers: [{ name: 'web', image: 'web', resources: request === null ? {} : { requests: { cpu: request, memory: '64Mi' } } }] },
    status: {
      phase: shape.phase ?? 'Running',
      startTime: started,
      conditions: [{ type: 'Ready', status: shape.ready === false ? 'False' : 'True', lastTransitionTime: transition }],
    },
  };
}

/** Usage in milli-units per pod name, sampled 15 s windows ending now. */
export function metrics(values: Record<string, number>, timestampMs = NOW): Map<string, PodMetric> {
  return new Map(Object.entries(values).map(([name, value]) => [name, { value, timestampMs, windowMs: 15_000 }]));
}
