// Which CronJob a change concerns: its own changes, and those of the Jobs it
// controls (a Job finishing frees a Forbid slot and feeds the history limits).

import type { CronJob } from '../api/index.ts';
import { CRON_JOBS, JOBS, objectKeyOf } from '../api/index.ts';
import type { Controller, InformerSet } from '../runtime/index.ts';
import type { Job } from './job.ts';
import { joinKey } from './keys.ts';
import { controllerOf } from './owner-refs.ts';

export function watchCronJobs(informers: InformerSet, cronJobs: Controller): void {
  const own = (cj: CronJob) => cronJobs.enqueue(objectKeyOf(cj));
  informers.for<CronJob>(CRON_JOBS).addHandlers({ onAdd: own, onUpdate: (_old, cj) => own(cj), onDelete: own });
  const ofJob = (job: Job) => {
    const ref = controllerOf(job.metadata);
    if (ref?.kind === 'CronJob') cronJobs.enqueue(joinKey(job.metadata.namespace, ref.name));
  };
  informers.for<Job>(JOBS).addHandlers({ onAdd: ofJob, onUpdate: (_old, job) => ofJob(job), onDelete: ofJob });
}
