// Per-kind rules the registry applies on write: namespace finalizers,
// immutable ClusterIPs, a Job's generated selector, and the Scale view of workloads.

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

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
/** The unprefixed forms Kubernetes still adds (and `kubectl get pods -l job-name=x` uses). */
export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const LEGACY_JOB_CONTROLLER_UID_LABEL = 'controller-uid';

interface JobSelectorSpec {
  manualSelector?: boolean;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  template?: { metadata?: { labels?: Record<string, string> } };
}

function jobSpec(obj: ObjectInput): JobSelectorSpec | undefined {
  const spec = obj.spec;
  return spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? (spec as JobSelectorSpec) : undefined;
}

/**
 * Kubernetes' Job strategy on create: unless `manualSelector` is true, the pod template gets
 * `job-name`/`controller-uid` labels (plain and `batch.kubernetes.io/`) and `spec.selector`
 * selects `batch.kubernetes.io/controller-uid`, so a Job matches only its own pods. Labels
 * the user set are kept; a conflicting one fails validation (the selector no longer matches).
 */
export function generateJobSelector(job: ObjectInput, uid: string): void {
  const spec = jobSpec(job);
  if (!spec || spec.manualSelector === true) return;
  const name = job.metadata.name ?? '';
  const template = (spec.template ??= {});
  const meta = (template.metadata ??= {});
  const labels = (meta.labels ??= {});
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[key] ??= name;
  for (const key of [LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) labels[key] ??= uid;
  const selector = (spec.selector ??= {});
  const matchLabels = (selector.matchLabels ??= {});
  matchLabels[JOB_CONTROLLER_UID_LABEL] ??= uid;
}

/** spec.selector is immutable; an update that leaves it (or the generated labels) out keeps them. */
export function keepJobSelector(current: KubeObject, next: ObjectInput): void {
  const cur = jobSpec(current as ObjectInput);
  const spec = jobSpec(next);
  if (!cur?.selector || !spec) return;
  if (spec.selector === undefined) spec.selector = structuredClone(cur.selector);
  else if (JSON.stringify(spec.selector) !== JSON.stringify(cur.selector)) {
    throw invalid('Job', next.metadata.name ?? '', [{ field: 'spec.selector', reason: 'FieldValueInvalid', message: 'Invalid value: field is immutable' }], 'batch');
  }
  if (cur.manualSelector === true) return;
  const generated = Object.entries(cur.template?.metadata?.labels ?? {}).filter(([k]) =>
    [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL, LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL].includes(k),
  );
  const template = (spec.template ??= {});
  const labels = ((template.metadata ??= {}).labels ??= {});
  for (const [k, v] of generated) labels[k] ??= v;
}
