// What the API server's metrics APIs and the HPA controller read: the node
// agents' usage samplers (this process's nodes) and the mesh's per-pod and
// per-Service request rates. Joined nodes (other processes) are not sampled
// here yet; their pods have no metrics, as pods on a node metrics-server
// cannot reach.

import type { ResourceMetricsSource } from '../api/index.ts';
import type { UsageSampler } from '../agent/index.ts';

export function createResourceMetricsSource(samplers: () => readonly UsageSampler[]): ResourceMetricsSource {
  return {
    podUsage: () => samplers().flatMap((s) => s.podUsage()),
    nodeUsage: () => samplers().flatMap((s) => s.nodeUsage() ?? []),
  };
}
