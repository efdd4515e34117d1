// policy/v1 kinds: PodDisruptionBudget (what the disruption controller keeps
// in status and the Eviction API reads) and Eviction (the body of
// POST pods/NAME/eviction).

import type { DeleteOptions } from './client.ts';
import type { LabelSelector } from './kinds.ts';
import type { KubeObject, ObjectMetaInput } from './objects.ts';
import { matchesSelector } from './labels.ts';

export type IntOrPercent = number | string;

export interface PodDisruptionBudgetSpec {
  minAvailable?: IntOrPercent;
  maxUnavailable?: IntOrPercent;
  /** Absent or empty: selects no pods in policy/v1 (an empty selector `{}` selects all). */
  selector?: LabelSelector;
  unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
}

export interface PdbCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** Pod name → when the API server evicted it (RFC 3339); the controller drops entries after 2 min. */
  disruptedPods?: Record<string, string>;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  expectedPods?: number;
  conditions?: PdbCondition[];
}

export type PodDisruptionBudget = KubeObject<PodDisruptionBudgetSpec, PodDisruptionBudgetStatus>;

/** The Eviction body kubectl drain sends (policy/v1, or policy/v1beta1 on old servers). */
export interface Eviction {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMetaInput;
  deleteOptions?: {
    gracePeriodSeconds?: number;
    propagationPolicy?: DeleteOptions['propagationPolicy'];
    preconditions?: { uid?: string; resourceVersion?: string };
    dryRun?: string[];
  };
}

/** The condition the disruption controller sets, and its reasons (pkg/apis/policy). */
export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const SUFFICIENT_PODS_REASON = 'SufficientPods';
export const INSUFFICIENT_PODS_REASON = 'InsufficientPods';
export const SYNC_FAILED_REASON = 'SyncFailed';

/**
 * Whether a PDB selects a pod (same namespace assumed). policy/v1: an absent
 * selector selects nothing, an empty one (`{}`) every pod of the namespace.
 */
export function pdbSelectsPod(pdb: PodDisruptionBudget, labels: Record<string, string> | undefined): boolean {
  const selector = pdb.spec?.selector;
  if (!selector) return false;
  return matchesSelector(labels, selector);
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is, `N%` of `total`
 * rounded up or down. Undefined for a malformed value.
 */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return /^\d+$/.test(value) ? Number(value) : undefined;
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
