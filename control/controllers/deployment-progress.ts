// Progress deadline: a rollout that made no progress (no scaling step) for
// spec.progressDeadlineSeconds gets Progressing=False reason
// ProgressDeadlineExceeded, which makes `kubectl rollout status` fail. Kept
// apart from the Deployment reconciler because it is the only part that
// waits on time: its timers are not "work" when asking whether the
// controllers are idle.

import type { Client, Clock, Deployment } from '../api/index.ts';
import { DEPLOYMENTS, systemClock } from '../api/index.ts';
import type { ReconcileResult, Reconciler } from '../runtime/index.ts';
import { REASON_DEADLINE_EXCEEDED, REASON_NEW_RS_AVAILABLE, deadlineCondition, setCondition } from './deployment-status.ts';
import { splitKey } from './keys.ts';

export function createDeploymentProgressReconciler(options: { client: Client; clock?: Clock }): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  return {
    name: 'deployment-progress',
    async reconcile(key): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const d = await client.get<Deployment>(DEPLOYMENTS, namespace, name);
      if (!d?.status || d.metadata.deletionTimestamp || (d.spec as { paused?: boolean } | undefined)?.paused) return;
      const progressing = d.status.conditions?.find((c) => c.type === 'Progressing');
      if (!progressing || progressing.reason === REASON_NEW_RS_AVAILABLE || progressing.reason === REASON_DEADLINE_EXCEEDED) return;
      const deadline = deadlineCondition(d, d.status, clock.now());
      if (!deadline.exceeded) return deadline.waitMs !== undefined ? { requeueAfterMs: deadline.waitMs + 1 } : undefined;
      const rsName = /"([^"]+)"/.exec(progressing.message ?? '')?.[1] ?? d.metadata.name;
      const conditions = setCondition(
        d.status.conditions ?? [],
        { type: 'Progressing', status: 'False', reason: REASON_DEADLINE_EXCEEDED, message: `ReplicaSet "${rsName}" has timed out progressing.` },
        new Date(clock.now()).toISOString(),
      );
      await client.updateStatus(DEPLOYMENTS, { ...d, status: { ...d.status, conditions } });
    },
  };
}
