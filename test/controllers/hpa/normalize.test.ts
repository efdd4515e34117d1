import t from 'tap';
import type { HorizontalPodAutoscalerBehavior } from '../../../control/api/index.ts';
import { ScalingHistory } from '../../../control/controllers/hpa/normalize.ts';

const S = 1000;
const base = { key: 'default/web', minReplicas: 1, maxReplicas: 10 };

t.test('without behavior: the highest recommendation of the downscale stabilization window wins', async (t) => {
  const h = new ScalingHistory(300 * S);
  h.recordInitial(base.key, 5, 0);
  let r = h.normalize({ ...base, currentReplicas: 5, recommended: 2, nowMs: 100 * S });
  t.equal(r.replicas, 5, 'the initial 5 is still inside the window');
  t.equal(r.ableToScale.reason, 'ScaleDownStabilized');
  r = h.normalize({ ...base, currentReplicas: 5, recommended: 2, nowMs: 301 * S });
  t.equal(r.replicas, 2, 'once the window passed the 5, the recent 2s apply');
  t.equal(r.ableToScale.reason, 'ReadyForNewScale');
  t.equal(r.scalingLimited.reason, 'DesiredWithinRange');
  t.equal(r.scalingLimited.limited, false);
});

t.test('a shorter window (the --horizontal-pod-autoscaler-downscale-stabilization flag) scales down sooner', async (t) => {
  const h = new ScalingHistory(20 * S);
  h.recordInitial(base.key, 5, 0);
  t.equal(h.normalize({ ...base, currentReplicas: 5, recommended: 2, nowMs: 15 * S }).replicas, 5);
  t.equal(h.normalize({ ...base, currentReplicas: 5, recommended: 2, nowMs: 30 * S }).replicas, 2);
});

t.test('without behavior: scale-up is limited to max(2 × current, 4); min and max clamp', async (t) => {
  const h = new ScalingHistory(0);
  let r = h.normalize({ ...base, currentReplicas: 1, recommended: 10, nowMs: 0 });
  t.same([r.replicas, r.scalingLimited.reason, r.scalingLimited.limited], [4, 'ScaleUpLimit', true]);
  r = h.normalize({ ...base, currentReplicas: 3, recommended: 10, nowMs: 1 });
  t.equal(r.replicas, 6);
  r = h.normalize({ ...base, currentReplicas: 8, recommended: 14, nowMs: 2 });
  t.same([r.replicas, r.scalingLimited.reason], [10, 'TooManyReplicas']);
  r = h.normalize({ ...base, minReplicas: 2, currentReplicas: 3, recommended: 1, nowMs: 3 });
  t.same([r.replicas, r.scalingLimited.reason], [2, 'TooFewReplicas']);
});

t.test('behavior: a Pods policy limits how many are added per period', async (t) => {
  const behavior: HorizontalPodAutoscalerBehavior = { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } };
  const h = new ScalingHistory(300 * S);
  let r = h.normalize({ ...base, behavior, currentReplicas: 2, recommended: 6, nowMs: 0 });
  t.same([r.replicas, r.scalingLimited.reason], [3, 'ScaleUpLimit']);
  h.recordScale(base.key, 2, 3, behavior, 0);
  r = h.normalize({ ...base, behavior, currentReplicas: 3, recommended: 6, nowMs: 10 * S });
  t.equal(r.replicas, 3, 'one pod was already added in this 60 s period');
  r = h.normalize({ ...base, behavior, currentReplicas: 3, recommended: 6, nowMs: 61 * S });
  t.equal(r.replicas, 4, 'a new period allows one more');
});

t.test('behavior: a Percent policy limits removals per period', async (t) => {
  const behavior: HorizontalPodAutoscalerBehavior = { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } };
  const h = new ScalingHistory(300 * S);
  let r = h.normalize({ ...base, behavior, currentReplicas: 8, recommended: 1, nowMs: 0 });
  t.same([r.replicas, r.scalingLimited.reason], [4, 'ScaleDownLimit']);
  h.recordScale(base.key, 8, 4, behavior, 0);
  r = h.normalize({ ...base, behavior, currentReplicas: 4, recommended: 1, nowMs: 10 * S });
  t.equal(r.replicas, 4, 'half of the 8 the period started with is gone already');
  r = h.normalize({ ...base, behavior, currentReplicas: 4, recommended: 1, nowMs: 61 * S });
  t.equal(r.replicas, 2);
});

t.test('behavior: selectPolicy picks the largest (Max) or smallest (Min) change; Disabled forbids it', async (t) => {
  const policies = [{ type: 'Pods' as const, value: 4, periodSeconds: 15 }, { type: 'Percent' as const, value: 100, periodSeconds: 15 }];
  const up = (selectPolicy: 'Max' | 'Min' | 'Disabled') =>
    new ScalingHistory(0).normalize({ ...base, maxReplicas: 100, behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy, policies } }, currentReplicas: 10, recommended: 50, nowMs: 0 }).replicas;
  t.equal(up('Max'), 20);
  t.equal(up('Min'), 14);
  t.equal(up('Disabled'), 10);
});

t.test('behavior: the scale-up stabilization window applies the lowest recent recommendation', async (t) => {
  const behavior: HorizontalPodAutoscalerBehavior = { scaleUp: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } };
  const h = new ScalingHistory(300 * S);
  h.recordInitial(base.key, 3, 0);
  let r = h.normalize({ ...base, behavior, currentReplicas: 3, recommended: 6, nowMs: 30 * S });
  t.same([r.replicas, r.ableToScale.reason], [3, 'ScaleUpStabilized']);
  r = h.normalize({ ...base, behavior, currentReplicas: 3, recommended: 6, nowMs: 61 * S });
  t.equal(r.replicas, 6, 'the initial 3 left the window; the 6 from 30 s stays');
});

t.test('behavior without scaleDown.stabilizationWindowSeconds uses the controller-wide window', async (t) => {
  const behavior: HorizontalPodAutoscalerBehavior = { scaleDown: { policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } };
  const h = new ScalingHistory(120 * S);
  h.recordInitial(base.key, 5, 0);
  t.equal(h.normalize({ ...base, behavior, currentReplicas: 5, recommended: 1, nowMs: 100 * S }).replicas, 5);
  t.equal(h.normalize({ ...base, behavior, currentReplicas: 5, recommended: 1, nowMs: 121 * S }).replicas, 1);
});
