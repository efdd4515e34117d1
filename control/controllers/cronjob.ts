// CronJob controller (batch/v1), after pkg/controller/cronjob's syncCronJob:
// reconciles status.active with the Jobs it owns, starts the Job for the most
// recent missed schedule time (honouring suspend, startingDeadlineSeconds and
// concurrencyPolicy), trims finished Jobs to the history limits, and comes
// back just after the next schedule time through requeueAfterMs.

import type { Client, Clock, CronJob, CronJobStatus } from '../api/index.ts';
import { CRON_JOBS, JOBS, isApiError, systemClock } from '../api/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../runtime/index.ts';
import { createEventRecorder } from '../runtime/index.ts';
import { isKnownTimeZone, parseCronSchedule } from './cron-schedule.ts';
import type { CronSchedule } from './cron-schedule.ts';
import { finishedState, jobFromTemplate, jobNameFor, jobsBeyondHistory } from './cronjob-jobs.ts';
import { MAX_MISSED_START_TIMES, mostRecentScheduleTime, nextScheduleDelayMs } from './cronjob-times.ts';
import type { Job } from './job.ts';
import { splitKey } from './keys.ts';
import { isControlledBy } from './owner-refs.ts';

export interface CronJobReconcilerOptions {
  client: Client;
  clock?: Clock;
  recorder?: EventRecorder;
}

type ActiveRef = NonNullable<CronJobStatus['active']>[number];

function refOf(job: Job): ActiveRef {
  return { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, namespace: job.metadata.namespace ?? '', uid: job.metadata.uid, resourceVersion: job.metadata.resourceVersion };
}

/** Go's time.RFC1123Z in UTC, the format of the MissSchedule message. */
function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const day = d.toUTCString().slice(0, 3);
  const pad = (n: number) => String(n).padStart(2, '0');
  const month = d.toUTCString().slice(8, 11);
  return `${day}, ${pad(d.getUTCDate())} ${month} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export function createCronJobReconciler(options: CronJobReconcilerOptions): Reconciler {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const recorder = options.recorder ?? createEventRecorder(client, 'cronjob-controller', undefined, clock);

  async function deleteJob(cj: CronJob, job: Job): Promise<void> {
    try {
      await client.delete(JOBS, job.metadata.namespace, job.metadata.name, { propagationPolicy: 'Background' });
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
    recorder.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
  }

  /** The scheduling half of syncCronJob; mutates `status` and returns when to look again. */
  async function schedule(cj: CronJob, jobs: Job[], status: CronJobStatus, sched: CronSchedule): Promise<number | undefined> {
    const now = clock.now();
    const due = mostRecentScheduleTime(cj, now, sched, true);
    if (due.missed > MAX_MISSED_START_TIMES) {
      recorder.record(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    const scheduled = due.mostRecentMs;
    const later = () => nextScheduleDelayMs({ ...cj, status }, now, sched);
    const deadline = cj.spec?.startingDeadlineSeconds;
    const tooLate = (ms: number) => deadline !== undefined && deadline !== null && ms + deadline * 1000 < now;
    if (scheduled === undefined) {
      // Kubernetes only looks back as far as the deadline, so it never sees (nor reports) a time that fell out
      // of the window. meshlet reports the latest such time, so `kubectl describe` tells why no Job ran.
      const missed = deadline !== undefined && deadline !== null ? mostRecentScheduleTime(cj, now, sched, false).mostRecentMs : undefined;
      if (missed !== undefined && tooLate(missed)) recorder.record(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(missed)}`);
      return later();
    }
    if (tooLate(scheduled)) {
      recorder.record(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return later();
    }
    const name = jobNameFor(cj, scheduled);
    const lastMs = status.lastScheduleTime ? Date.parse(status.lastScheduleTime) : undefined;
    if ((status.active ?? []).some((a) => a.name === name) || lastMs === scheduled) return later();
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active ?? []).length > 0) {
      recorder.record(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return later();
    }
    if (policy === 'Replace') {
      for (const ref of status.active ?? []) {
        const job = jobs.find((j) => j.metadata.uid === ref.uid);
        if (job) await deleteJob(cj, job);
      }
      status.active = [];
    }
    let created: Job;
    try {
      created = await client.create<Job>(JOBS, jobFromTemplate(cj, scheduled));
    } catch (err) {
      // Another writer made the Job for this time: it is ours by name, the next pass adopts it into status.
      if (isApiError(err, 'AlreadyExists')) throw err;
      recorder.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    recorder.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    status.active = [...(status.active ?? []), refOf(created)];
    status.lastScheduleTime = new Date(scheduled).toISOString().replace('.000Z', 'Z');
    return later();
  }

  return {
    name: 'cronjob',
    async reconcile(key): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const cj = await client.get<CronJob>(CRON_JOBS, namespace, name);
      if (!cj?.spec) return;
      const jobs = (await client.list<Job>(JOBS, { namespace })).items.filter((j) => isControlledBy(j, cj));
      const status: CronJobStatus = structuredClone(cj.status ?? {});

      // status.active follows the Jobs that exist and are not finished.
      const active: ActiveRef[] = [];
      for (const ref of status.active ?? []) {
        const job = jobs.find((j) => j.metadata.uid === ref.uid);
        if (!job) {
          recorder.record(cj, 'Warning', 'MissingJob', `Active job went missing: ${ref.name}`);
          continue;
        }
        const state = finishedState(job);
        if (state) recorder.record(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${state}`);
        else active.push(ref);
      }
      status.active = active;
      for (const job of jobs) {
        const completed = finishedState(job) === 'Complete' ? job.status?.completionTime : undefined;
        if (completed && (!status.lastSuccessfulTime || Date.parse(completed) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = completed;
      }

      let requeueAfterMs: number | undefined;
      if (!cj.metadata.deletionTimestamp) {
        const tz = cj.spec.timeZone;
        let sched: CronSchedule | undefined;
        if (tz !== undefined && !isKnownTimeZone(tz)) {
          recorder.record(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${tz}": unknown time zone ${tz}`);
        } else if (!cj.spec.suspend) {
          try {
            sched = parseCronSchedule(cj.spec.schedule, tz);
          } catch (err) {
            recorder.record(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec.schedule}" : ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        if (sched) requeueAfterMs = await schedule(cj, jobs, status, sched);
      }

      // An empty active list is left out, as Kubernetes serializes it.
      if (!status.active?.length) delete status.active;
      if (JSON.stringify(status) !== JSON.stringify(cj.status ?? {})) await client.updateStatus(CRON_JOBS, { ...cj, status });
      for (const job of jobsBeyondHistory(cj, jobs)) await deleteJob(cj, job);
      return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
    },
  };
}
