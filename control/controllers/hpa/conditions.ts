// HPA status conditions: setting one keeps its lastTransitionTime unless its
// status changes, as the HPA controller's setConditionInList does.

import type { HorizontalPodAutoscalerCondition } from '../../api/index.ts';

export function setCondition(
  conditions: HorizontalPodAutoscalerCondition[],
  type: HorizontalPodAutoscalerCondition['type'],
  status: 'True' | 'False',
  reason: string,
  message: string,
  nowIso: string,
): HorizontalPodAutoscalerCondition[] {
  const existing = conditions.find((c) => c.type === type);
  const next: HorizontalPodAutoscalerCondition = {
    type,
    status,
    lastTransitionTime: existing && existing.status === status && existing.lastTransitionTime ? existing.lastTransitionTime : nowIso,
    reason,
    message,
  };
  return existing ? conditions.map((c) => (c.type === type ? next : c)) : [...conditions, next];
}
