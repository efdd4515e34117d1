// apps/v1 DaemonSet and ControllerRevision: the fields meshlet's DaemonSet
// controller reads and writes (pkg/apis/apps). ControllerRevision is shared
// with StatefulSet: an immutable snapshot of a pod template, numbered.

import type { KubeObject } from './objects.ts';
import type { LabelSelector, PodTemplateSpec } from './kinds.ts';

/** apps/v1 carries the DaemonSet's template generation (bumped on each template change) in this annotation. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export interface DaemonSetUpdateStrategy {
  type?: 'RollingUpdate' | 'OnDelete';
  /** Integers or percentages of the desired number of scheduled pods; defaults maxUnavailable 1, maxSurge 0. */
  rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
}

export interface DaemonSetSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy?: DaemonSetUpdateStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

export interface DaemonSetCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: DaemonSetCondition[];
}

export type DaemonSet = KubeObject<DaemonSetSpec, DaemonSetStatus>;

/** ControllerRevision is one type for every owner (control/api/apps.ts); a DaemonSet's `data` is `{ spec: { template } }`. */
export type { ControllerRevision } from './apps.ts';
