// Where a DaemonSet's pods belong, after pkg/controller/daemon: the pod the
// controller would create (its automatic tolerations, pinned to one node by
// required node affinity so the default scheduler binds it), whether a node
// should run it, and whether a pod already there may keep running.

import type { DaemonSet, Node, Pod, PodSpec, Taint, Toleration } from '../api/index.ts';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../api/index.ts';
import type { Affinity, NodeSelectorTerm } from '../scheduler/index.ts';
import { tolerates } from '../scheduler/index.ts';
import { termMatches } from '../scheduler/plugins/node-affinity.ts';

/** The pod fields placement reads beyond the shared PodSpec. */
export type DaemonPodSpec = PodSpec & { affinity?: Affinity; hostNetwork?: boolean };

const NO_SCHEDULE_KEYS = [
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/pid-pressure',
  'node.kubernetes.io/unschedulable',
];
const NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/**
 * util.AddOrUpdateDaemonPodTolerations: a daemon pod stays through not-ready and unreachable
 * (no tolerationSeconds, so never evicted) and is placed despite pressure and cordoning.
 */
export function withDaemonTolerations(spec: DaemonPodSpec): Toleration[] {
  const wanted: Toleration[] = [
    { key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    ...NO_SCHEDULE_KEYS.map((key) => ({ key, operator: 'Exists', effect: 'NoSchedule' })),
    ...(spec.hostNetwork ? [{ key: NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' }] : []),
  ];
  // Add or update: a user's toleration of the same key and effect is replaced by the controller's.
  const kept = (spec.tolerations ?? []).filter((t) => !wanted.some((w) => w.key === t.key && w.effect === t.effect));
  return [...kept, ...wanted];
}

/** util.ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become `metadata.name In [node]`. */
export function pinnedAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const term: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  return {
    ...(affinity ?? {}),
    nodeAffinity: { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } },
  };
}

/** The node a daemon pod is meant for: its nodeName, or the node its pinning affinity names. */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = (pod.spec as DaemonPodSpec | undefined)?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const field of term.matchFields ?? []) {
      if (field.key === 'metadata.name' && field.operator === 'In' && field.values?.length === 1) return field.values[0];
    }
  }
  return undefined;
}

function untolerated(taints: Taint[], tolerations: Toleration[], effects: Taint['effect'][]): Taint | undefined {
  return taints.find((taint) => effects.includes(taint.effect) && !tolerations.some((t) => tolerates(t, taint)));
}

export interface Placement {
  /** A pod should be created on the node if none is there. */
  shouldRun: boolean;
  /** A pod already there may stay (it tolerates the node's NoExecute taints). */
  shouldContinueRunning: boolean;
}

/** NodeShouldRunDaemonPod: nodeName, nodeSelector and required node affinity, then taints. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): Placement {
  const spec = (ds.spec?.template.spec ?? { containers: [] }) as DaemonPodSpec;
  const name = node.metadata.name;
  if (spec.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  const labels = node.metadata.labels ?? {};
  const selectorFits = Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const affinityFits = !required || required.nodeSelectorTerms.some((term) => termMatches(term, labels, name));
  if (!selectorFits || !affinityFits) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(spec);
  const taints = node.spec?.taints ?? [];
  if (untolerated(taints, tolerations, ['NoSchedule', 'NoExecute'])) {
    return { shouldRun: false, shouldContinueRunning: untolerated(taints, tolerations, ['NoExecute']) === undefined };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}
