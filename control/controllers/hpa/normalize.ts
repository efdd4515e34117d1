// From the metrics' recommendation to the replica count applied, as
// kube-controller-manager's HPA does it (horizontal.go):
//  - without `behavior`: the highest recommendation of the downscale
//    stabilization window (default 300 s) and a scale-up limit of
//    max(2 × current, 4), then min/max;
//  - with `behavior`: scale-up and scale-down stabilization windows
//    (lowest recent / highest recent recommendation), then the policies
//    (Pods/Percent per periodSeconds, selectPolicy Max/Min/Disabled) measured
//    against the scale events of each period, then min/max.
// The recommendation and scale-event history lives in the controller's memory
// (as in Kubernetes): a restarted controller starts a fresh window.

import type { HPAScalingRules, HorizontalPodAutoscalerBehavior } from '../../api/index.ts';

export interface Limited {
  replicas: number;
  /** AbleToScale reason/message from the stabilization step. */
  ableToScale: { reason: string; message: string };
  /** ScalingLimited reason/message; `limited` true when the count was clamped. */
  scalingLimited: { limited: boolean; reason: string; message: string };
}

interface Recommendation {
  replicas: number;
  atMs: number;
}

interface ScaleEvent {
  change: number;
  atMs: number;
}

const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

const DEFAULT_SCALE_UP: Required<HPAScalingRules> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
};
const DEFAULT_SCALE_DOWN_POLICIES: Required<HPAScalingRules>['policies'] = [{ type: 'Percent', value: 100, periodSeconds: 15 }];

export interface NormalizeInput {
  key: string;
  currentReplicas: number;
  recommended: number;
  minReplicas: number;
  maxReplicas: number;
  behavior?: HorizontalPodAutoscalerBehavior;
  nowMs: number;
}

const READY = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };

export class ScalingHistory {
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly upEvents = new Map<string, ScaleEvent[]>();
  private readonly downEvents = new Map<string, ScaleEvent[]>();
  private readonly downscaleStabilizationMs: number;

  constructor(downscaleStabilizationMs: number) {
    this.downscaleStabilizationMs = downscaleStabilizationMs;
  }

  forget(key: string): void {
    this.recommendations.delete(key);
    this.upEvents.delete(key);
    this.downEvents.delete(key);
  }

  /** The first sync remembers the current count as a recommendation, so a fresh HPA does not scale down at once. */
  recordInitial(key: string, currentReplicas: number, nowMs: number): void {
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ replicas: currentReplicas, atMs: nowMs }]);
  }

  normalize(input: NormalizeInput): Limited {
    return input.behavior ? this.withBehavior(input, input.behavior) : this.withoutBehavior(input);
  }

  /** Remembers a scale for the policies' periods (only HPAs with behavior use them). */
  recordScale(key: string, from: number, to: number, behavior: HorizontalPodAutoscalerBehavior | undefined, nowMs: number): void {
    if (!behavior || from === to) return;
    const up = to > from;
    const rules = up ? behavior.scaleUp : behavior.scaleDown;
    const longest = Math.max(0, ...(rules?.policies ?? (up ? DEFAULT_SCALE_UP.policies : DEFAULT_SCALE_DOWN_POLICIES)).map((p) => p.periodSeconds)) * 1000;
    const map = up ? this.upEvents : this.downEvents;
    const kept = (map.get(key) ?? []).filter((e) => e.atMs > nowMs - longest);
    map.set(key, [...kept, { change: Math.abs(to - from), atMs: nowMs }]);
  }

  private remember(key: string, replicas: number, nowMs: number, keepMs: number): void {
    const kept = (this.recommendations.get(key) ?? []).filter((r) => r.atMs >= nowMs - keepMs);
    this.recommendations.set(key, [...kept, { replicas, atMs: nowMs }]);
  }

  private withoutBehavior(i: NormalizeInput): Limited {
    const cutoff = i.nowMs - this.downscaleStabilizationMs;
    let stabilized = i.recommended;
    for (const r of this.recommendations.get(i.key) ?? []) if (r.atMs >= cutoff && r.replicas > stabilized) stabilized = r.replicas;
    this.remember(i.key, i.recommended, i.nowMs, this.downscaleStabilizationMs);
    const ableToScale =
      stabilized !== i.recommended
        ? { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
        : READY;
    const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * i.currentReplicas, SCALE_UP_LIMIT_MINIMUM);
    let max = i.maxReplicas;
    let limit = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
    if (i.maxReplicas > scaleUpLimit) {
      max = scaleUpLimit;
      limit = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
    }
    if (stabilized < i.minReplicas) {
      return { replicas: i.minReplicas, ableToScale, scalingLimited: { limited: true, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' } };
    }
    if (stabilized > max) return { replicas: max, ableToScale, scalingLimited: { limited: true, ...limit } };
    return { replicas: stabilized, ableToScale, scalingLimited: { limited: false, ...WITHIN } };
  }

  private withBehavior(i: NormalizeInput, behavior: HorizontalPodAutoscalerBehavior): Limited {
    const up = { ...DEFAULT_SCALE_UP, ...behavior.scaleUp };
    const down = {
      selectPolicy: 'Max' as const,
      policies: DEFAULT_SCALE_DOWN_POLICIES,
      ...behavior.scaleDown,
      stabilizationWindowSeconds: behavior.scaleDown?.stabilizationWindowSeconds ?? this.downscaleStabilizationMs / 1000,
    };
    const upCutoff = i.nowMs - up.stabilizationWindowSeconds * 1000;
    const downCutoff = i.nowMs - down.stabilizationWindowSeconds * 1000;
    let upRecommendation = i.recommended;
    let downRecommendation = i.recommended;
    for (const r of this.recommendations.get(i.key) ?? []) {
      if (r.atMs > upCutoff) upRecommendation = Math.min(upRecommendation, r.replicas);
      if (r.atMs > downCutoff) downRecommendation = Math.max(downRecommendation, r.replicas);
    }
    let stabilized = Math.max(i.currentReplicas, upRecommendation);
    stabilized = Math.min(stabilized, downRecommendation);
    this.remember(i.key, i.recommended, i.nowMs, Math.max(up.stabilizationWindowSeconds, down.stabilizationWindowSeconds) * 1000);
    let ableToScale = READY;
    if (stabilized !== i.recommended) {
      ableToScale =
        i.recommended >= i.currentReplicas
          ? { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
          : { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
    }
    const limited = (replicas: number, reason: string, message: string): Limited => ({ replicas, ableToScale, scalingLimited: { limited: replicas !== stabilized, reason, message } });
    if (stabilized > i.currentReplicas) {
      const scaleUpLimit = Math.max(i.currentReplicas, this.scaleUpLimit(i, up));
      if (i.maxReplicas > scaleUpLimit) {
        if (stabilized > scaleUpLimit) return limited(scaleUpLimit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate');
      } else if (stabilized > i.maxReplicas) return limited(i.maxReplicas, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count');
    } else if (stabilized < i.currentReplicas) {
      const scaleDownLimit = Math.min(i.currentReplicas, this.scaleDownLimit(i, down));
      if (i.minReplicas < scaleDownLimit) {
        if (stabilized < scaleDownLimit) return limited(scaleDownLimit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate');
      } else if (stabilized < i.minReplicas) return limited(i.minReplicas, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count');
    }
    return { replicas: stabilized, ableToScale, scalingLimited: { limited: false, ...WITHIN } };
  }

  private changeInPeriod(events: ScaleEvent[] | undefined, periodSeconds: number, nowMs: number): number {
    const cutoff = nowMs - periodSeconds * 1000;
    return (events ?? []).filter((e) => e.atMs > cutoff).reduce((n, e) => n + e.change, 0);
  }

  private scaleUpLimit(i: NormalizeInput, rules: Required<HPAScalingRules>): number {
    if (rules.selectPolicy === 'Disabled') return i.currentReplicas;
    const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
    let result = rules.selectPolicy === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
    for (const p of rules.policies) {
      const start = i.currentReplicas - this.changeInPeriod(this.upEvents.get(i.key), p.periodSeconds, i.nowMs);
      const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      result = pick(result, proposed);
    }
    return result;
  }

  private scaleDownLimit(i: NormalizeInput, rules: Required<HPAScalingRules>): number {
    if (rules.selectPolicy === 'Disabled') return i.currentReplicas;
    // Min picks the smallest change, i.e. the highest limit.
    const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
    let result = rules.selectPolicy === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
    for (const p of rules.policies) {
      const start = i.currentReplicas + this.changeInPeriod(this.downEvents.get(i.key), p.periodSeconds, i.nowMs);
      const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      result = pick(result, proposed);
    }
    return result;
  }
}
