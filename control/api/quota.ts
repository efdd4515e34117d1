// Core v1 ResourceQuota and LimitRange: the admission plugins and the quota
// controller read these shapes. Quantities stay strings as users write them.

import type { KubeObject } from './objects.ts';

export type ResourceList = Record<string, string>;

export interface ScopedResourceSelectorRequirement {
  scopeName: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface ResourceQuotaSpec {
  hard?: ResourceList;
  scopes?: string[];
  scopeSelector?: { matchExpressions?: ScopedResourceSelectorRequirement[] };
}

export interface ResourceQuotaStatus {
  hard?: ResourceList;
  used?: ResourceList;
}

export type ResourceQuota = KubeObject<ResourceQuotaSpec, ResourceQuotaStatus>;

export type LimitType = 'Container' | 'Pod' | 'PersistentVolumeClaim';

export interface LimitRangeItem {
  type: LimitType;
  max?: ResourceList;
  min?: ResourceList;
  default?: ResourceList;
  defaultRequest?: ResourceList;
  maxLimitRequestRatio?: ResourceList;
}

export interface LimitRangeSpec {
  limits: LimitRangeItem[];
}

export type LimitRange = KubeObject<LimitRangeSpec>;

/** The annotation the LimitRanger plugin leaves on pods whose resources it set. */
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';
