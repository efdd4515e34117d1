// CronJob schedules as Kubernetes reads them (robfig/cron's ParseStandard):
// five fields with ranges, steps, lists, month and weekday names and `?`, the
// @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly macros and
// `@every <duration>`, evaluated in an IANA time zone. croner computes the
// times; this module keeps it to what Kubernetes accepts (croner also takes
// seconds, L, W and #, which Kubernetes rejects) and words errors as Kubernetes does.

import { Cron } from 'croner';
import { MeshletError } from '../api/index.ts';

export class CronScheduleError extends MeshletError {
  constructor(message: string) {
    super('MESHLET_CRON_SCHEDULE', message);
  }
}

export interface CronSchedule {
  /** The first schedule time strictly after `afterMs`, or undefined if there is none. */
  next(afterMs: number): number | undefined;
  /** The latest schedule time at or before `atMs` (constant-delay schedules: counted from `originMs`). */
  latestAtOrBefore(atMs: number, originMs: number): number | undefined;
}

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
// Characters robfig/cron accepts in a field: digits, names, `*`, `?`, `-`, `/` and `,`.
const FIELD = /^[0-9A-Za-z*?,/-]+$/;
const NAME = /[A-Za-z]+/g;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Go's time.ParseDuration for the units a schedule would use (h, m, s, ms). */
function parseGoDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(h|ms|m|s))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const [, value, , u] of text.matchAll(/(\d+(\.\d+)?)(h|ms|m|s)/g)) total += Number(value) * unit[u!]!;
  return total;
}

function checkFields(expr: string): void {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) throw new CronScheduleError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  fields.forEach((field, i) => {
    if (!FIELD.test(field)) throw new CronScheduleError(`failed to parse int from ${field}: strconv.Atoi: parsing "${field}": invalid syntax`);
    const names = i === 3 ? MONTHS : i === 4 ? DAYS : [];
    for (const [name] of field.matchAll(NAME)) {
      if (!names.includes(name.toUpperCase())) throw new CronScheduleError(`failed to parse int from ${name}: strconv.Atoi: parsing "${name}": invalid syntax`);
    }
  });
}

function constantDelay(delayMs: number): CronSchedule {
  // robfig rounds the delay up to whole seconds and counts from the start of the second.
  const step = Math.max(1000, Math.ceil(delayMs / 1000) * 1000);
  return {
    next: (afterMs) => Math.floor(afterMs / 1000) * 1000 + step,
    latestAtOrBefore: (atMs, originMs) => {
      const first = Math.floor(originMs / 1000) * 1000 + step;
      return atMs < first ? undefined : first + Math.floor((atMs - first) / step) * step;
    },
  };
}

/** Parses a schedule; throws CronScheduleError with robfig/cron's wording for what Kubernetes rejects. */
export function parseCronSchedule(expr: string, timeZone?: string): CronSchedule {
  const text = expr.trim();
  if (text.startsWith('@every ')) {
    const delay = parseGoDuration(text.slice('@every '.length).trim());
    if (delay === undefined) throw new CronScheduleError(`failed to parse duration ${text}: time: invalid duration "${text.slice('@every '.length).trim()}"`);
    return constantDelay(delay);
  }
  if (text.startsWith('@')) {
    if (!MACROS.has(text)) throw new CronScheduleError(`unrecognized descriptor: ${text}`);
  } else checkFields(text);
  let cron: Cron;
  try {
    cron = new Cron(text, { paused: true, mode: '5-part', ...(timeZone ? { timezone: timeZone } : { timezone: 'UTC' }) });
  } catch (err) {
    throw new CronScheduleError((err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, ''));
  }
  return {
    next: (afterMs) => cron.nextRun(new Date(afterMs))?.getTime(),
    latestAtOrBefore: (atMs) => {
      // croner looks back from whole seconds, exclusively: start a second later and step back if that overshot.
      const candidate = cron.previousRuns(1, new Date(atMs + 1000))[0]?.getTime();
      return candidate !== undefined && candidate > atMs ? cron.previousRuns(1, new Date(candidate))[0]?.getTime() : candidate;
    },
  };
}

/** Why Kubernetes would reject the schedule, or undefined when it parses. */
export function cronScheduleProblem(expr: string): string | undefined {
  try {
    parseCronSchedule(expr);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Whether the runtime knows the IANA zone (Go's time.LoadLocation). */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** RFC 3339 with the zone's offset, as Go's `t.In(loc).Format(time.RFC3339)`. */
export function formatInTimeZone(ms: number, timeZone = 'UTC'): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const wall = `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}:${parts['minute']}:${parts['second']}`;
  const offsetMin = Math.round((Date.parse(`${wall}Z`) - Math.floor(ms / 1000) * 1000) / 60_000);
  if (offsetMin === 0) return `${wall}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${wall}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
