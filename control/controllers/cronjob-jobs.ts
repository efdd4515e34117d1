// The Jobs a CronJob owns: built from its jobTemplate for one schedule time,
// and the finished ones beyond the history limits (oldest first) picked for deletion.

import type { CronJob, ObjectInput } from '../api/index.ts';
import { formatInTimeZone } from './cron-schedule.ts';
import type { Job } from './job.ts';
import { controllerRef } from './owner-refs.ts';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** `<cronjob>-<scheduled time in minutes since the epoch>`, so one schedule time gives one Job whoever creates it. */
export function jobNameFor(cj: CronJob, scheduledMs: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduledMs / 60_000)}`;
}

export function jobFromTemplate(cj: CronJob, scheduledMs: number): ObjectInput {
  const template = cj.spec!.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduledMs),
      namespace: cj.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatInTimeZone(scheduledMs, cj.spec?.timeZone) },
      ownerReferences: [controllerRef(cj)],
    },
    spec: structuredClone(template.spec),
  };
}

export type FinishedState = 'Complete' | 'Failed';

export function finishedState(job: Job): FinishedState | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/** Oldest first by status.startTime (Jobs not started yet last), ties by name, as Kubernetes' byJobStartTime. */
function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa !== !sb) return sa ? -1 : 1;
  if (sa === sb || (sa && sb && Date.parse(sa) === Date.parse(sb))) return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
  return Date.parse(sa!) - Date.parse(sb!);
}

/** Finished Jobs past successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest first. */
export function jobsBeyondHistory(cj: CronJob, jobs: Job[]): Job[] {
  const out: Job[] = [];
  const pick = (state: FinishedState, limit: number | undefined) => {
    if (limit === undefined || limit === null) return;
    const done = jobs.filter((j) => finishedState(j) === state).sort(byStartTime);
    out.push(...done.slice(0, Math.max(0, done.length - limit)));
  };
  pick('Complete', cj.spec?.successfulJobsHistoryLimit);
  pick('Failed', cj.spec?.failedJobsHistoryLimit);
  return out;
}
