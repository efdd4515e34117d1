// Per-kind rules the registry applies on write: namespace finalizers,
// immutable ClusterIPs, and the Scale view of workloads.

import { invalid } from '../api/index.ts';
import type { KubeObject, ObjectInput } from '../api/index.ts';

export function namespaceFinalizers(obj: ObjectInput | KubeObject): string[] {
  if (obj.kind !== 'Namespace') return [];
  return ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter(Boolean);
}

export function keepClusterIp(current: KubeObject, next: ObjectInput): void {
  const cur = (current.spec ?? {}) as { clusterIP?: string; clusterIPs?: string[] };
  const spec = (next.spec ?? {}) as { clusterIP?: string; clusterIPs?: string[] };
  if (spec.clusterIP && cur.clusterIP && spec.clusterIP !== cur.clusterIP) {
    throw invalid('Service', next.metadata.name ?? '', [
      { field: 'spec.clusterIP', reason: 'FieldValueInvalid', message: `field is immutable (was ${cur.clusterIP})` },
    ]);
  }
  next.spec = { ...spec, ...(cur.clusterIP ? { clusterIP: cur.clusterIP, clusterIPs: cur.clusterIPs ?? [cur.clusterIP] } : {}) };
}

export function scaleOf(obj: KubeObject): Record<string, unknown> {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (obj.status ?? {}) as { replicas?: number };
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { ...obj.metadata },
    spec: { replicas: spec.replicas ?? 1 },
    status: {
      replicas: status.replicas ?? 0,
      selector: Object.entries(spec.selector?.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}
