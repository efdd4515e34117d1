// scheduling.k8s.io/v1 and the pod fields priority and preemption read.
// PriorityClass is cluster-scoped; its value is copied into a pod's
// spec.priority by the Priority admission plugin when the pod is created.

import type { KubeObject, ObjectMetaInput } from './objects.ts';
import type { Pod, PodSpec, PodStatus } from './kinds.ts';

export type PreemptionPolicy = 'PreemptLowerPriority' | 'Never';

/** scheduling.k8s.io/v1 PriorityClass: the fields live at the top level, not under spec. */
export interface PriorityClassFields {
  value: number;
  globalDefault?: boolean;
  description?: string;
  preemptionPolicy?: PreemptionPolicy;
}

export type PriorityClass = KubeObject & PriorityClassFields;

export interface PriorityClassInput extends PriorityClassFields {
  apiVersion: 'scheduling.k8s.io/v1';
  kind: 'PriorityClass';
  metadata: ObjectMetaInput;
}

/** Pod spec fields set by the Priority admission plugin. */
export interface PodPriorityFields {
  priorityClassName?: string;
  priority?: number;
  preemptionPolicy?: PreemptionPolicy;
}

export type PrioritizedPodSpec = PodSpec & PodPriorityFields;

/** Pod status fields the scheduler writes besides conditions. */
export type SchedulingPodStatus = PodStatus & { nominatedNodeName?: string };

/** Kubernetes' priority for pods when no PriorityClass applies. */
export const DEFAULT_POD_PRIORITY = 0;
/** The highest value a user-defined PriorityClass may have. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const SYSTEM_CLUSTER_CRITICAL = 'system-cluster-critical';
export const SYSTEM_NODE_CRITICAL = 'system-node-critical';
/** The classes the API server creates at start, as kube-apiserver's scheduling post-start hook does. */
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClassInput[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: SYSTEM_NODE_CRITICAL },
    value: 2_000_001_000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: SYSTEM_CLUSTER_CRITICAL },
    value: 2_000_000_000,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

export function podPriority(pod: Pod): number {
  return (pod.spec as PrioritizedPodSpec | undefined)?.priority ?? DEFAULT_POD_PRIORITY;
}

export function podPreemptionPolicy(pod: Pod): PreemptionPolicy {
  return (pod.spec as PrioritizedPodSpec | undefined)?.preemptionPolicy ?? 'PreemptLowerPriority';
}

export function nominatedNodeName(pod: Pod): string | undefined {
  return (pod.status as SchedulingPodStatus | undefined)?.nominatedNodeName || undefined;
}
