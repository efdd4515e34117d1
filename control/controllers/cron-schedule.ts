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
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldBounds {
  min: number;
  max: number;
  names?: readonly string[];
  /** The value of the first name (JAN is 1, SUN is 0). */
  nameBase?: number;
}

// robfig/cron's bounds: note day-of-week is 0–6 there, so Kubernetes rejects 7.
const BOUNDS: readonly FieldBounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { min: 0, max: 6, names: DAYS, nameBase: 0 },
];

/** Go's strconv.Atoi for a field value, or a month/day name. */
function parseValue(text: string, bounds: FieldBounds): number {
  const named = bounds.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (bounds.nameBase ?? 0);
  if (!/^[+-]?\d+$/.test(text)) throw new CronScheduleError(`failed to parse int from ${text}: strconv.Atoi: parsing "${text}": invalid syntax`);
  return Number(text);
}

/**
 * robfig/cron's getRange: `*`, `?`, `N`, `N-M`, each optionally `/step`, checked against the field's bounds.
 * Returns the range as croner reads it: steps spelled `start-end/step` (croner refuses robfig's `N/step`).
 */
function checkRange(expr: string, bounds: FieldBounds): string {
  const slash = expr.split('/');
  if (slash.length > 2) throw new CronScheduleError(`too many slashes: ${expr}`);
  const hyphen = slash[0]!.split('-');
  if (hyphen.length > 2) throw new CronScheduleError(`too many hyphens: ${expr}`);
  let start: number;
  let end: number;
  if (hyphen[0] === '*' || hyphen[0] === '?') {
    start = bounds.min;
    end = bounds.max;
  } else {
    start = parseValue(hyphen[0]!, bounds);
    end = hyphen.length === 2 ? parseValue(hyphen[1]!, bounds) : start;
  }
  let step = 1;
  if (slash.length === 2) {
    step = parseValue(slash[1]!, { min: 0, max: 0 });
    if (step <= 0) throw new CronScheduleError(`step of range should be a positive number: ${expr}`);
    if (hyphen.length === 1 && hyphen[0] !== '*' && hyphen[0] !== '?') end = bounds.max;
  }
  if (start < bounds.min) throw new CronScheduleError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new CronScheduleError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new CronScheduleError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  const star = hyphen[0] === '*' || hyphen[0] === '?';
  // `*` (and `*/1`) stays a wildcard: the day fields are OR-ed only when neither is one.
  if (slash.length === 1 || (star && step === 1)) return star ? '*' : expr;
  // A step past the end keeps only the start (croner refuses it).
  return step > end - start ? String(start) : `${start}-${end}/${step}`;
}

/** Go's time.ParseDuration for the units a schedule would use (h, m, s, ms). */
function parseGoDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(h|ms|m|s))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const [, value, , u] of text.matchAll(/(\d+(\.\d+)?)(h|ms|m|s)/g)) total += Number(value) * unit[u!]!;
  return total;
}

/** Checks the five fields as robfig/cron does; returns the expression in croner's dialect. */
function checkFields(expr: string): string {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) throw new CronScheduleError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return fields.map((field, i) => field.split(',').map((part) => checkRange(part, BOUNDS[i]!)).join(',')).join(' ');
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
  let pattern = text;
  if (text.startsWith('@')) {
    if (!MACROS.has(text)) throw new CronScheduleError(`unrecognized descriptor: ${text}`);
  } else pattern = checkFields(text);
  let cron: Cron;
  try {
    cron = new Cron(pattern, { paused: true, mode: '5-part', ...(timeZone ? { timezone: timeZone } : { timezone: 'UTC' }) });
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
