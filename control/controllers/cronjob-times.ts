// Which scheduled times a CronJob has missed, after pkg/controller/cronjob's
// mostRecentScheduleTime: counted from the last schedule time (or creation),
// no further back than startingDeadlineSeconds, and never walked one by one
// past a hundred misses, so a clock off by years costs nothing.

import type { CronJob } from '../api/index.ts';
import type { CronSchedule } from './cron-schedule.ts';

/** More missed start times than this is reported (TooManyMissedTimes) and only the latest is started. */
export const MAX_MISSED_START_TIMES = 100;
/** The controller comes back this long after the next schedule time, so the time has surely passed. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export interface MissedTimes {
  /** Where counting started: the last schedule time, creation, or now − startingDeadlineSeconds. */
  earliestMs: number;
  /** The most recent missed schedule time, if any is due. */
  mostRecentMs?: number;
  missed: number;
}

export function mostRecentScheduleTime(cj: CronJob, nowMs: number, schedule: CronSchedule, includeStartingDeadline: boolean): MissedTimes {
  const last = cj.status?.lastScheduleTime;
  let earliestMs = Date.parse(last ?? cj.metadata.creationTimestamp);
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && deadline !== undefined && deadline !== null) earliestMs = Math.max(earliestMs, nowMs - deadline * 1000);
  const t1 = schedule.next(earliestMs);
  if (t1 === undefined || t1 > nowMs) return { earliestMs, missed: 0 };
  let mostRecentMs = t1;
  let missed = 1;
  for (let t = schedule.next(t1); t !== undefined && t <= nowMs; t = schedule.next(t)) {
    mostRecentMs = t;
    missed++;
    if (missed > MAX_MISSED_START_TIMES) {
      // Past a hundred, estimate the count from the first interval, as Kubernetes does, and jump to the latest.
      const t2 = schedule.next(t1) ?? t1;
      const interval = Math.max(1, t2 - t1);
      missed = Math.floor((nowMs - t1) / interval) + 1;
      mostRecentMs = schedule.latestAtOrBefore(nowMs, earliestMs) ?? t;
      break;
    }
  }
  return { earliestMs, mostRecentMs, missed };
}

/** How long until the controller should look again: just past the next schedule time. */
export function nextScheduleDelayMs(cj: CronJob, nowMs: number, schedule: CronSchedule): number | undefined {
  const { earliestMs, mostRecentMs } = mostRecentScheduleTime(cj, nowMs, schedule, false);
  const next = schedule.next(mostRecentMs ?? earliestMs);
  if (next === undefined) return undefined;
  return Math.max(0, next + NEXT_SCHEDULE_DELTA_MS - nowMs);
}
