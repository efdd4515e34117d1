// The FailedScheduling message, worded as kube-scheduler words it:
//   0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu.
// Each reason is counted over the nodes that gave it; the list is sorted as
// strings, as kube-scheduler sorts it.

export interface NodeFailure {
  node: string;
  reasons: readonly string[];
}

export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

export function formatFitError(totalNodes: number, failures: readonly NodeFailure[]): string {
  if (totalNodes === 0) return NO_NODES_MESSAGE;
  const histogram = new Map<string, number>();
  for (const f of failures) for (const r of new Set(f.reasons)) histogram.set(r, (histogram.get(r) ?? 0) + 1);
  const parts = [...histogram].map(([reason, n]) => `${n} ${reason}`).sort();
  return `0/${totalNodes} nodes are available${parts.length ? `: ${parts.join(', ')}.` : '.'}`;
}
