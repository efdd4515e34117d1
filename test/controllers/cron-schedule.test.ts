// The schedule syntax Kubernetes accepts (robfig/cron's standard parser),
// evaluated in UTC or an IANA zone, and what it rejects, in robfig's words.

import t from 'tap';
import { cronScheduleProblem, formatInTimeZone, isKnownTimeZone, parseCronSchedule } from '../../control/controllers/cron-schedule.ts';

const FROM = Date.parse('2026-12-03T10:00:00Z'); // a Thursday

function nextTimes(expr: string, count: number, timeZone?: string): string[] {
  const schedule = parseCronSchedule(expr, timeZone);
  const out: string[] = [];
  let at = FROM;
  for (let i = 0; i < count; i++) {
    const next = schedule.next(at);
    if (next === undefined) break;
    out.push(new Date(next).toISOString());
    at = next;
  }
  return out;
}

t.test('next times for the standard syntax', async (t) => {
  const cases: [string, string[]][] = [
    ['* * * * *', ['2026-12-03T10:01:00.000Z', '2026-12-03T10:02:00.000Z']],
    ['*/20 * * * *', ['2026-12-03T10:20:00.000Z', '2026-12-03T10:40:00.000Z', '2026-12-03T11:00:00.000Z']],
    ['5-7 10 * * *', ['2026-12-03T10:05:00.000Z', '2026-12-03T10:06:00.000Z', '2026-12-03T10:07:00.000Z', '2026-12-04T10:05:00.000Z']],
    ['0 8,20 * * *', ['2026-12-03T20:00:00.000Z', '2026-12-04T08:00:00.000Z']],
    ['0 0 1 JAN,jul ?', ['2027-01-01T00:00:00.000Z', '2027-07-01T00:00:00.000Z']],
    ['30 6 * * MON-FRI', ['2026-12-04T06:30:00.000Z', '2026-12-07T06:30:00.000Z']],
    ['0 0 * * 0', ['2026-12-06T00:00:00.000Z']],
    ['5/20 * * * *', ['2026-12-03T10:05:00.000Z', '2026-12-03T10:25:00.000Z', '2026-12-03T10:45:00.000Z', '2026-12-03T11:05:00.000Z']],
    // A step longer than the range keeps only its start, as robfig/cron does.
    ['*/61 * * * *', ['2026-12-03T11:00:00.000Z', '2026-12-03T12:00:00.000Z']],
    // Both day fields restricted: either matches (the 13th, or a Friday).
    ['0 0 13 * FRI', ['2026-12-04T00:00:00.000Z', '2026-12-11T00:00:00.000Z', '2026-12-13T00:00:00.000Z']],
    // `*/1` is still a wildcard, so only the day of month counts.
    ['0 0 13 * */1', ['2026-12-13T00:00:00.000Z', '2027-01-13T00:00:00.000Z']],
    ['@yearly', ['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']],
    ['@annually', ['2027-01-01T00:00:00.000Z']],
    ['@monthly', ['2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z']],
    ['@weekly', ['2026-12-06T00:00:00.000Z', '2026-12-13T00:00:00.000Z']],
    ['@daily', ['2026-12-04T00:00:00.000Z']],
    ['@midnight', ['2026-12-04T00:00:00.000Z']],
    ['@hourly', ['2026-12-03T11:00:00.000Z', '2026-12-03T12:00:00.000Z']],
    ['@every 90m', ['2026-12-03T11:30:00.000Z', '2026-12-03T13:00:00.000Z']],
  ];
  for (const [expr, want] of cases) t.same(nextTimes(expr, want.length), want, expr);
});

t.test('a time zone moves the wall clock, daylight saving included', async (t) => {
  t.same(nextTimes('0 9 * * *', 1, 'America/New_York'), ['2026-12-03T14:00:00.000Z'], 'EST is UTC-5 in December');
  const july = parseCronSchedule('0 9 * * *', 'America/New_York').next(Date.parse('2026-07-01T00:00:00Z'));
  t.equal(new Date(july!).toISOString(), '2026-07-01T13:00:00.000Z', 'EDT is UTC-4 in July');
  t.equal(formatInTimeZone(Date.parse('2026-12-03T14:00:00Z'), 'America/New_York'), '2026-12-03T09:00:00-05:00');
  t.equal(formatInTimeZone(Date.parse('2026-12-03T14:00:00Z'), 'Asia/Kolkata'), '2026-12-03T19:30:00+05:30');
  t.equal(formatInTimeZone(Date.parse('2026-12-03T14:00:00Z')), '2026-12-03T14:00:00Z');
  t.ok(isKnownTimeZone('Europe/Paris'));
  t.notOk(isKnownTimeZone('Europe/Pariss'));
});

t.test('the latest time at or before a moment', async (t) => {
  const every5 = parseCronSchedule('*/5 * * * *');
  t.equal(every5.latestAtOrBefore(Date.parse('2026-12-03T10:07:00Z'), 0), Date.parse('2026-12-03T10:05:00Z'));
  t.equal(every5.latestAtOrBefore(Date.parse('2026-12-03T10:05:00Z'), 0), Date.parse('2026-12-03T10:05:00Z'), 'inclusive');
});

t.test('what Kubernetes rejects, in its words', async (t) => {
  const cases: [string, RegExp][] = [
    ['* * * *', /^expected exactly 5 fields, found 4: \[\* \* \* \*\]$/],
    ['0 * * * * *', /^expected exactly 5 fields, found 6/],
    ['61 * * * *', /^end of range \(61\) above maximum \(59\): 61$/],
    ['0 0 * * 7', /^end of range \(7\) above maximum \(6\): 7$/],
    ['0 0 0 * *', /^beginning of range \(0\) below minimum \(1\): 0$/],
    ['5-3 * * * *', /^beginning of range \(5\) beyond end of range \(3\): 5-3$/],
    ['*/0 * * * *', /^step of range should be a positive number: \*\/0$/],
    ['1-2-3 * * * *', /^too many hyphens: 1-2-3$/],
    ['0 0 L * *', /failed to parse int from L/],
    ['0 0 * * MON#2', /failed to parse int from MON#2/],
    ['0 0 * FOO *', /failed to parse int from FOO/],
    ['@reboot', /unrecognized descriptor: @reboot/],
    ['@every soon', /failed to parse duration @every soon/],
  ];
  for (const [expr, want] of cases) t.match(cronScheduleProblem(expr), want, expr);
  t.equal(cronScheduleProblem('*/15 9-17 * JAN-MAR,DEC MON-FRI'), undefined);
});
