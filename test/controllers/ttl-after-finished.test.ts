// ttlSecondsAfterFinished: a finished Job is deleted (foreground, so its pods
// go first) exactly ttl seconds after its Complete/Failed condition's
// lastTransitionTime — driven by a ManualClock and requeueAfterMs — and
// through startControllers when the TTL is 0.

import t from 'tap';
import { JOBS, PODS, ManualClock } from '../../control/api/index.ts';
import type { Job } from '../../control/controllers/index.ts';
import {
  FOREGROUND_FINALIZER, createGarbageCollector, createJobReconciler, createTtlAfterFinishedReconciler, gcKey, startControllers,
} from '../../control/controllers/index.ts';
import { listPods, newCluster, setPodPhase, waitFor } from './cluster.ts';
import { expectApiError } from '../helpers/expect-error.ts';

const noEvents = { record: () => undefined };

function jobManifest(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] } }, backoffLimit: 0, ...spec },
  };
}

/** Runs the Job to its end (its one pod Succeeded or Failed) at the clock's current time. */
async function finish(client: Parameters<typeof createJobReconciler>[0]['client'], clock: ManualClock, name: string, phase: 'Succeeded' | 'Failed') {
  const jobs = createJobReconciler({ client, clock, recorder: noEvents });
  await jobs.reconcile(`default/${name}`);
  for (const p of await listPods(client, 'default', `batch.kubernetes.io/job-name=${name}`)) await setPodPhase(client, p, phase);
  await jobs.reconcile(`default/${name}`);
}

t.test('a finished Job is deleted ttl seconds after it finished, with its pods', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const clock = new ManualClock(Date.parse('2026-12-03T08:00:00Z'));
  await client.create(JOBS, jobManifest('hello', { ttlSecondsAfterFinished: 100 }));
  const ttl = createTtlAfterFinishedReconciler({ client, clock });
  t.equal(await ttl.reconcile('default/hello'), undefined, 'a running Job has nothing to wait for');

  await finish(client, clock, 'hello', 'Succeeded');
  const done = (await client.get<Job>(JOBS, 'default', 'hello'))!;
  t.equal(done.status?.conditions?.[0]?.lastTransitionTime, '2026-12-03T08:00:00.000Z');
  t.same(await ttl.reconcile('default/hello'), { requeueAfterMs: 100_000 }, 'comes back when the TTL expires');
  clock.advance(99_999);
  t.same(await ttl.reconcile('default/hello'), { requeueAfterMs: 1 });
  t.notOk((await client.get<Job>(JOBS, 'default', 'hello'))!.metadata.deletionTimestamp, 'not before');

  clock.advance(1);
  t.equal(await ttl.reconcile('default/hello'), undefined);
  const deleting = (await client.get<Job>(JOBS, 'default', 'hello'))!;
  t.ok(deleting.metadata.deletionTimestamp, 'deleted at the TTL');
  t.ok(deleting.metadata.finalizers?.includes(FOREGROUND_FINALIZER), 'in the foreground');

  const gc = createGarbageCollector({ client });
  for (const p of await listPods(client)) await gc.reconcile(gcKey(PODS, 'default', p.metadata.name));
  await gc.reconcile(gcKey(JOBS, 'default', 'hello'));
  t.equal((await listPods(client)).length, 0, 'its pods are gone');
  t.notOk(await client.get(JOBS, 'default', 'hello'), 'and then the Job');
});

t.test('failed Jobs expire too; Jobs without a TTL are kept', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const clock = new ManualClock(Date.parse('2026-12-03T08:00:00Z'));
  await client.create(JOBS, jobManifest('broken', { ttlSecondsAfterFinished: 5 }));
  await client.create(JOBS, jobManifest('kept'));
  await finish(client, clock, 'broken', 'Failed');
  await finish(client, clock, 'kept', 'Succeeded');
  t.match((await client.get<Job>(JOBS, 'default', 'broken'))!.status, { conditions: [{ type: 'Failed', status: 'True' }] });
  clock.advance(3_600_000);
  const ttl = createTtlAfterFinishedReconciler({ client, clock });
  await ttl.reconcile('default/broken');
  await ttl.reconcile('default/kept');
  t.ok((await client.get<Job>(JOBS, 'default', 'broken'))!.metadata.deletionTimestamp, 'the failed Job is deleted');
  t.notOk((await client.get<Job>(JOBS, 'default', 'kept'))!.metadata.deletionTimestamp, 'the Job without a TTL stays');
});

t.test('a TTL extended after the read is honoured (the delete is conditional)', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const clock = new ManualClock(Date.parse('2026-12-03T08:00:00Z'));
  await client.create(JOBS, jobManifest('extended', { ttlSecondsAfterFinished: 10 }));
  await finish(client, clock, 'extended', 'Succeeded');
  clock.advance(10_000);
  // The reconciler reads the Job, then someone extends the TTL before the delete lands.
  const racing = Object.assign(Object.create(client) as typeof client, {
    delete: async (...args: Parameters<typeof client.delete>) => {
      await client.patch(JOBS, 'default', 'extended', 'merge', { spec: { ttlSecondsAfterFinished: 3600 } });
      return client.delete(...args);
    },
  });
  const ttl = createTtlAfterFinishedReconciler({ client: racing, clock });
  const refused = await expectApiError(Promise.resolve(ttl.reconcile('default/extended')), 'Conflict');
  t.equal(refused.httpStatus, 409, 'the stale delete is refused (and retried by the queue)');
  const again = await createTtlAfterFinishedReconciler({ client, clock }).reconcile('default/extended');
  t.same(again, { requeueAfterMs: 3_590_000 }, 'the retry sees the new TTL');
  t.notOk((await client.get<Job>(JOBS, 'default', 'extended'))!.metadata.deletionTimestamp);
});

t.test('startControllers removes a Job with ttlSecondsAfterFinished: 0 once it finished', async (t) => {
  const { client, close } = await newCluster();
  const controllers = await startControllers({ client });
  t.teardown(async () => {
    await controllers.stop();
    await close();
  });
  await client.create(JOBS, jobManifest('once', { ttlSecondsAfterFinished: 0 }));
  const [pod] = await waitFor('the Job’s pod', async () => {
    const pods = await listPods(client, 'default', 'batch.kubernetes.io/job-name=once');
    return pods.length ? pods : undefined;
  }, 20_000);
  await setPodPhase(client, pod!, 'Succeeded');
  await waitFor('the finished Job and its pod are gone', async () => !(await client.get(JOBS, 'default', 'once')) && (await listPods(client)).length === 0, 30_000);
  t.notOk(await client.get(JOBS, 'default', 'once'), 'deleted by the TTL controller');
  t.equal((await listPods(client)).length, 0, 'its pod removed by the garbage collector');
});
