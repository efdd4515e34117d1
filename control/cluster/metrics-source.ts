// What the API server's metrics APIs and the HPA controller read: the usage
// samplers of this process's node agents, read directly, and the last reports
// of nodes in other processes (`remote-usage.ts`, scraped from their kubelet
// endpoint).

import type { ResourceMetricsSource } from '../api/index.ts';
import type { NodeUsageReport, UsageSampler } from '../agent/index.ts';

export function createResourceMetricsSource(samplers: () => readonly UsageSampler[], remote: () => readonly NodeUsageReport[] = () => []): ResourceMetricsSource {
  return {
    podUsage: () => [...samplers().flatMap((s) => s.podUsage()), ...remote().flatMap((r) => r.pods)],
    nodeUsage: () => [...samplers().flatMap((s) => s.nodeUsage() ?? []), ...remote().flatMap((r) => (r.node ? [r.node] : []))],
  };
}
