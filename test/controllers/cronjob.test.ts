// The CronJob controller against the in-process registry on a ManualClock:
// Jobs at schedule times, the concurrency policies, starting deadlines, the
// too-many-missed rule, suspend, history limits, time zones and status.

import t from 'tap';
import type { Client, CronJob, KubeObject } from '../../control/api/index.ts';
import { CRON_JOBS, JOBS, ManualClock } from '../../control/api/index.ts';
import type { Job } from '../../control/controllers/index.ts';
import { createCronJobReconciler } from '../../control/controllers/cronjob.ts';
import { SCHEDULED_TIMESTAMP_ANNOTATION } from '../../control/controllers/cronjob-jobs.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { MemoryStore } from '../../control/store/index.ts';

const T0 = Date.parse('2026-12-03T10:00:30Z');
const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

interface RecordedEvent {
  type: string;
  reason: string;
  message: string;
}

async function setup(startMs = T0) {
  const clock = new ManualClock(startMs);
  const store = new MemoryStore();
  const client = createRegistry({ store, clock });
  await client.ensureNamespaces(['default']);
  const events: RecordedEvent[] = [];
  const recorder = { record: (_o: KubeObject, type: string, reason: string, message: string) => void events.push({ type, reason, message }) };
  const reconciler = createCronJobReconciler({ client, clock, recorder });
  return { clock, client, events, reconciler, close: () => store.close() };
}

function cronJob(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        metadata: { labels: { team: 'batch' } },
        spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } },
      },
      ...spec,
    },
  };
}

async function jobsOf(client: Client, cj = 'hello'): Promise<Job[]> {
  return (await client.list<Job>(JOBS, { namespace: 'default' })).items.filter((j) => j.metadata.ownerReferences?.[0]?.name === cj);
}

async function finish(client: Client, job: Job, type: 'Complete' | 'Failed', at: string): Promise<void> {
  const current = (await client.get<Job>(JOBS, 'default', job.metadata.name))!;
  await client.updateStatus(JOBS, {
    ...current,
    status: { startTime: current.status?.startTime ?? at, ...(type === 'Complete' ? { completionTime: at, succeeded: 1 } : { failed: 1 }), conditions: [{ type, status: 'True', lastTransitionTime: at }] },
  });
}

const getCj = async (client: Client, name = 'hello') => (await client.get<CronJob>(CRON_JOBS, 'default', name))!;

t.test('a Job per schedule time, named by the minute, owned, annotated; requeued for the next minute', async (t) => {
  const { clock, client, events, reconciler, close } = await setup();
  t.teardown(close);
  await client.create(CRON_JOBS, cronJob('hello'));
  const first = await reconciler.reconcile('default/hello');
  t.equal((await jobsOf(client)).length, 0, 'nothing before the first schedule time');
  t.equal(first?.requeueAfterMs, 30_100, 'comes back 100 ms after 10:01:00');

  clock.advance(30_000);
  const second = await reconciler.reconcile('default/hello');
  const [job] = await jobsOf(client);
  t.ok(job, 'a Job at 10:01');
  t.equal(job!.metadata.name, `hello-${minutes('2026-12-03T10:01:00Z')}`);
  t.equal(job!.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], '2026-12-03T10:01:00Z');
  t.equal(job!.metadata.labels?.['team'], 'batch', 'labels from the jobTemplate');
  t.match(job!.metadata.ownerReferences, [{ kind: 'CronJob', name: 'hello', controller: true, blockOwnerDeletion: true }]);
  t.equal(job!.spec?.template.spec.containers[0]?.name, 'c');
  const cj = await getCj(client);
  t.equal(cj.status?.lastScheduleTime, '2026-12-03T10:01:00Z');
  t.match(cj.status?.active, [{ kind: 'Job', name: job!.metadata.name, uid: job!.metadata.uid }]);
  t.match(events, [{ type: 'Normal', reason: 'SuccessfulCreate', message: `Created job ${job!.metadata.name}` }]);
  t.equal(second?.requeueAfterMs, 60_100);

  await reconciler.reconcile('default/hello');
  t.equal((await jobsOf(client)).length, 1, 'the same schedule time is not run twice');
});

t.test('Allow runs Jobs side by side; Forbid skips while one is active; Replace deletes it', async (t) => {
  for (const [policy, wantJobs, wantReason] of [['Allow', 2, 'SuccessfulCreate'], ['Forbid', 1, 'JobAlreadyActive'], ['Replace', 1, 'SuccessfulDelete']] as const) {
    const { clock, client, events, reconciler, close } = await setup();
    await client.create(CRON_JOBS, cronJob('hello', { concurrencyPolicy: policy }));
    clock.advance(30_000);
    await reconciler.reconcile('default/hello');
    const [firstJob] = await jobsOf(client);
    clock.advance(60_000);
    await reconciler.reconcile('default/hello');
    const jobs = await jobsOf(client);
    t.equal(jobs.length, wantJobs, `${policy}: ${wantJobs} Job(s) exist`);
    t.ok(events.some((e) => e.reason === wantReason), `${policy}: ${wantReason}`);
    const cj = await getCj(client);
    if (policy === 'Forbid') {
      t.equal(cj.status?.lastScheduleTime, '2026-12-03T10:01:00Z', 'Forbid: the skipped time is not recorded');
      t.same(cj.status?.active?.map((a) => a.name), [firstJob!.metadata.name]);
    } else {
      t.equal(cj.status?.lastScheduleTime, '2026-12-03T10:02:00Z');
      t.equal(cj.status?.active?.at(-1)?.name, `hello-${minutes('2026-12-03T10:02:00Z')}`);
    }
    if (policy === 'Replace') {
      t.notOk(jobs.some((j) => j.metadata.uid === firstJob!.metadata.uid), 'Replace: the running Job is gone');
      t.equal(cj.status?.active?.length, 1);
      t.match(events.find((e) => e.reason === 'SuccessfulDelete'), { message: `Deleted job ${firstJob!.metadata.name}` });
    }
    await close();
  }
});

t.test('a finished Job leaves status.active (SawCompletedJob) and sets lastSuccessfulTime', async (t) => {
  const { clock, client, events, reconciler, close } = await setup();
  t.teardown(close);
  await client.create(CRON_JOBS, cronJob('hello', { concurrencyPolicy: 'Forbid' }));
  clock.advance(30_000);
  await reconciler.reconcile('default/hello');
  const [job] = await jobsOf(client);
  await finish(client, job!, 'Complete', '2026-12-03T10:01:20Z');
  clock.advance(20_000);
  await reconciler.reconcile('default/hello');
  const cj = await getCj(client);
  t.equal(cj.status?.active, undefined, 'no active Jobs');
  t.equal(cj.status?.lastSuccessfulTime, '2026-12-03T10:01:20Z');
  t.match(events.at(-1), { type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${job!.metadata.name}, condition: Complete` });
  clock.advance(40_000);
  await reconciler.reconcile('default/hello');
  t.equal((await jobsOf(client)).length, 2, 'Forbid starts the next one once the first has finished');
});

t.test('startingDeadlineSeconds: a time missed by more than the deadline is not started (MissSchedule)', async (t) => {
  const { clock, client, events, reconciler, close } = await setup(Date.parse('2026-12-03T10:00:00Z'));
  t.teardown(close);
  await client.create(CRON_JOBS, cronJob('hello', { schedule: '0 * * * *', startingDeadlineSeconds: 30 }));
  // The controller was away: it comes back at 11:00:45, 45 s after the time.
  clock.advance(3_600_000 + 45_000);
  const result = await reconciler.reconcile('default/hello');
  t.equal((await jobsOf(client)).length, 0, 'too late to start');
  t.match(events, [{ type: 'Warning', reason: 'MissSchedule', message: 'Missed scheduled time to start a job: Thu, 03 Dec 2026 11:00:00 +0000' }]);
  t.equal(result?.requeueAfterMs, 3_600_000 - 45_000 + 100, 'next at 12:00');

  // Within the window the time is started: late by 20 s with a 30 s deadline.
  clock.advance(3_600_000 - 45_000 + 20_000);
  await reconciler.reconcile('default/hello');
  t.equal((await jobsOf(client)).length, 1, 'started 20 s late, within the deadline');
  t.equal(events.filter((e) => e.reason === 'MissSchedule').length, 1, 'no miss reported for 12:00');
});

t.test('more than 100 missed start times: a warning, and only the latest is started', async (t) => {
  const { clock, client, events, reconciler, close } = await setup(Date.parse('2026-12-03T10:00:00Z'));
  t.teardown(close);
  await client.create(CRON_JOBS, cronJob('hello'));
  clock.advance(150 * 60_000 + 10_000);
  await reconciler.reconcile('default/hello');
  const jobs = await jobsOf(client);
  t.equal(jobs.length, 1, 'one Job, not 150');
  t.equal(jobs[0]!.metadata.name, `hello-${minutes('2026-12-03T12:30:00Z')}`, 'for the latest time, 12:30');
  t.match(events[0], { type: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew' });

  // Exactly 100 missed is still started without a warning (the latest of them).
  const again = await setup(Date.parse('2026-12-03T10:00:00Z'));
  t.teardown(again.close);
  await again.client.create(CRON_JOBS, cronJob('hello'));
  again.clock.advance(100 * 60_000 + 10_000);
  await again.reconciler.reconcile('default/hello');
  t.equal(again.events.filter((e) => e.reason === 'TooManyMissedTimes').length, 0);
  t.equal((await jobsOf(again.client))[0]!.metadata.name, `hello-${minutes('2026-12-03T11:40:00Z')}`);
});

t.test('suspend stops new Jobs; resuming starts the latest missed one', async (t) => {
  const { clock, client, reconciler, close } = await setup();
  t.teardown(close);
  await client.create(CRON_JOBS, cronJob('hello', { suspend: true }));
  clock.advance(5 * 60_000);
  const suspended = await reconciler.reconcile('default/hello');
  t.equal((await jobsOf(client)).length, 0);
  t.equal(suspended, undefined, 'a suspended CronJob does not requeue itself');
  await client.patch(CRON_JOBS, 'default', 'hello', 'merge', { spec: { suspend: false } });
  await reconciler.reconcile('default/hello');
  const jobs = await jobsOf(client);
  t.equal(jobs.length, 1);
  t.equal(jobs[0]!.metadata.name, `hello-${minutes('2026-12-03T10:05:00Z')}`);
});

t.test('history limits keep the newest finished Jobs (3 succeeded, 1 failed by default)', async (t) => {
  const { clock, client, events, reconciler, close } = await setup();
  t.teardown(close);
  const created = await client.create<CronJob>(CRON_JOBS, cronJob('hello'));
  t.equal(created.spec?.successfulJobsHistoryLimit, 3, 'defaulted');
  t.equal(created.spec?.failedJobsHistoryLimit, 1, 'defaulted');
  t.equal(created.spec?.concurrencyPolicy, 'Allow', 'defaulted');
  const states = ['Complete', 'Failed', 'Complete', 'Failed', 'Complete', 'Complete'] as const;
  const names: string[] = [];
  for (const state of states) {
    clock.advance(60_000);
    await reconciler.reconcile('default/hello');
    const job = (await jobsOf(client)).find((j) => !names.includes(j.metadata.name))!;
    names.push(job.metadata.name);
    await finish(client, job, state, new Date(clock.now()).toISOString());
  }
  await reconciler.reconcile('default/hello');
  const left = (await jobsOf(client)).map((j) => j.metadata.name).sort();
  const keep = [names[3]!, names[2]!, names[4]!, names[5]!].sort();
  t.same(left, keep, 'the three newest succeeded and the newest failed remain');
  t.ok(events.some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job ${names[0]}`));
});

t.test('timeZone: the schedule is read on that wall clock, and the annotation carries its offset', async (t) => {
  const { clock, client, reconciler, close } = await setup(Date.parse('2026-12-03T13:00:00Z'));
  t.teardown(close);
  await client.create(CRON_JOBS, cronJob('hello', { schedule: '0 9 * * *', timeZone: 'America/New_York' }));
  const first = await reconciler.reconcile('default/hello');
  t.equal(first?.requeueAfterMs, 3_600_000 + 100, '09:00 New York is 14:00 UTC');
  clock.advance(3_600_000 + 100);
  await reconciler.reconcile('default/hello');
  const [job] = await jobsOf(client);
  t.equal(job!.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], '2026-12-03T09:00:00-05:00');
});

t.test('@hourly and the other macros schedule as their five-field forms', async (t) => {
  const { clock, client, reconciler, close } = await setup(Date.parse('2026-12-03T10:20:00Z'));
  t.teardown(close);
  await client.create(CRON_JOBS, cronJob('hello', { schedule: '@hourly' }));
  t.equal((await reconciler.reconcile('default/hello'))?.requeueAfterMs, 40 * 60_000 + 100);
  clock.advance(40 * 60_000);
  await reconciler.reconcile('default/hello');
  t.equal((await jobsOf(client))[0]?.metadata.name, `hello-${minutes('2026-12-03T11:00:00Z')}`);
});

t.test('a Job removed behind the controller leaves status.active (MissingJob)', async (t) => {
  const { clock, client, events, reconciler, close } = await setup();
  t.teardown(close);
  await client.create(CRON_JOBS, cronJob('hello', { concurrencyPolicy: 'Forbid' }));
  clock.advance(30_000);
  await reconciler.reconcile('default/hello');
  const [job] = await jobsOf(client);
  await client.delete(JOBS, 'default', job!.metadata.name);
  await reconciler.reconcile('default/hello');
  t.equal((await getCj(client)).status?.active, undefined);
  t.match(events.at(-1), { type: 'Warning', reason: 'MissingJob', message: `Active job went missing: ${job!.metadata.name}` });
});
