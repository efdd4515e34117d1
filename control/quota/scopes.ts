// Which quotas an object falls under and which of their resources it is
// charged for: unscoped quotas take everything, scoped ones (Terminating,
// BestEffort, PriorityClass …) only matching pods and pod resources.

import type { ObjectInput, ResourceQuota, ResourceType } from '../api/index.ts';
import { PODS } from '../api/index.ts';
import { podInScope, scopeAllows, usageOf } from './usage.ts';

/** Resources every container must state once a quota covers them (the pod evaluator's validation set). */
export const CONTAINER_REQUIRED: ReadonlySet<string> = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

interface ScopeExpression { scopeName: string; operator: string; values?: string[] }

/** Whether a quota applies to the object: unscoped quotas to everything, scoped ones to matching pods. */
export function quotaSelects(quota: ResourceQuota, type: ResourceType, obj: ObjectInput): boolean {
  const scopes: ScopeExpression[] = [
    ...(quota.spec?.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists' })),
    ...(quota.spec?.scopeSelector?.matchExpressions ?? []),
  ];
  if (scopes.length === 0) return true;
  if (type !== PODS) return false;
  return scopes.every((s) => {
    if (s.scopeName === 'PriorityClass') {
      const cls = (obj.spec as { priorityClassName?: string } | undefined)?.priorityClassName;
      if (s.operator === 'Exists') return cls !== undefined;
      if (s.operator === 'DoesNotExist') return cls === undefined;
      const listed = cls !== undefined && (s.values ?? []).includes(cls);
      return s.operator === 'In' ? listed : !listed;
    }
    const inScope = podInScope(s.scopeName, obj);
    return s.operator === 'DoesNotExist' ? !inScope : inScope;
  });
}

/** The quota resources this object is charged for (after scopes). */
export function coveredResources(quota: ResourceQuota, type: ResourceType, obj: ObjectInput): string[] {
  const usage = usageOf(type, obj);
  const scopes = [...(quota.spec?.scopes ?? []), ...(quota.spec?.scopeSelector?.matchExpressions ?? []).map((e) => e.scopeName)];
  return Object.keys(quota.spec?.hard ?? {})
    .filter((k) => usage.has(k) || (type === PODS && CONTAINER_REQUIRED.has(k)))
    .filter((k) => scopes.every((s) => s === 'PriorityClass' || scopeAllows(s, k)))
    .sort();
}

