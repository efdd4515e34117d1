// Istio's canonical service/revision of a workload (the labels
// *_canonical_service / *_canonical_revision), computed from pod labels the
// way istiod does, with the workload name and "latest" as the last resort.

import type { WorkloadInfo } from '../config/identity.ts';
import { UNKNOWN_WORKLOAD } from '../config/identity.ts';

/** Istio's default cluster id (values.global.multiCluster.clusterName unset). */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';

export interface Canonical {
  service: string;
  revision: string;
}

const UNKNOWN: Canonical = { service: 'unknown', revision: 'unknown' };

// Per request this runs twice; WorkloadInfo objects are shared by the route
// table until it is rebuilt, so a weak cache keeps it to one map lookup.
const cache = new WeakMap<WorkloadInfo, Canonical>();

export function canonicalOf(w: WorkloadInfo): Canonical {
  // Istio reports an unidentified peer as unknown in every label, not as "latest".
  if (w === UNKNOWN_WORKLOAD) return UNKNOWN;
  let c = cache.get(w);
  if (!c) {
    const l = w.labels;
    c = {
      service: l['service.istio.io/canonical-name'] || l['app.kubernetes.io/name'] || l.app || w.workload,
      revision: l['service.istio.io/canonical-revision'] || l['app.kubernetes.io/version'] || l.version || 'latest',
    };
    cache.set(w, c);
  }
  return c;
}

/** Pod labels that carry a canonical pair, for peer metadata (Istio sends CANONICAL_SERVICE/REVISION the same way). */
export function canonicalLabels(w: WorkloadInfo): Record<string, string> {
  const c = canonicalOf(w);
  return { 'service.istio.io/canonical-name': c.service, 'service.istio.io/canonical-revision': c.revision };
}

/** The cluster label of a peer: ours when we know the workload, else unknown. */
export function clusterOf(w: WorkloadInfo, clusterId: string): string {
  return w === UNKNOWN_WORKLOAD ? 'unknown' : clusterId;
}
