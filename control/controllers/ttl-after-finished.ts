// TTL-after-finished (kube-controller-manager's ttlafterfinished controller):
// a Job with spec.ttlSecondsAfterFinished is deleted that many seconds after
// its Complete or Failed condition turned True. The deletion is foreground, so
// the garbage collector removes the Job's pods before the Job itself goes, and
// carries the resourceVersion read here as a precondition, so a Job changed
// meanwhile (its TTL extended, say) is looked at again rather than deleted.

import type { Client, Clock } from '../api/index.ts';
import { JOBS, isApiError, systemClock } from '../api/index.ts';
import type { ReconcileResult, Reconciler } from '../runtime/index.ts';
import type { Job } from './job.ts';
import { splitKey } from './keys.ts';

/** When the Job finished (ms), from its terminal condition; undefined while it runs. */
export function jobFinishedAt(job: Job): number | undefined {
  const done = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (!done) return undefined;
  const at = Date.parse(done.lastTransitionTime ?? job.status?.completionTime ?? '');
  return Number.isNaN(at) ? undefined : at;
}

/** True when the Job is one this controller must watch: a TTL and a finish time. */
export function needsTtlCleanup(job: Job): boolean {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  return typeof ttl === 'number' && ttl >= 0 && !job.metadata.deletionTimestamp && jobFinishedAt(job) !== undefined;
}

export function createTtlAfterFinishedReconciler(options: { client: Client; clock?: Clock }): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  return {
    name: 'ttl-after-finished',
    async reconcile(key): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const job = await client.get<Job>(JOBS, namespace, name);
      if (!job || !needsTtlCleanup(job)) return;
      const expiresAt = jobFinishedAt(job)! + job.spec!.ttlSecondsAfterFinished! * 1000;
      const left = expiresAt - clock.now();
      if (left > 0) return { requeueAfterMs: left };
      try {
        await client.delete(JOBS, namespace, name, { propagationPolicy: 'Foreground', resourceVersion: job.metadata.resourceVersion });
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    },
  };
}
