import t from 'tap';
import type { Pod } from '../../control/api/index.ts';
import { JOBS, PODS, ManualClock } from '../../control/api/index.ts';
import type { Job } from '../../control/controllers/index.ts';
import { JOB_NAME_LABEL, createJobReconciler } from '../../control/controllers/index.ts';
import { listPods, newCluster, setPodPhase } from './cluster.ts';

const noEvents = { record: () => undefined };

function jobManifest(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox', command: ['true'] }] } }, ...spec },
  };
}

const active = (pods: Pod[]) => pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');

t.test('runs parallelism pods at a time until completions succeeded', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(JOBS, jobManifest('batch', { completions: 3, parallelism: 2 }));
  const reconciler = createJobReconciler({ client, recorder: noEvents });
  await reconciler.reconcile('default/batch');
  let pods = await listPods(client, 'default', `${JOB_NAME_LABEL}=batch`);
  t.equal(pods.length, 2, 'parallelism 2');
  t.equal(pods[0]!.spec?.restartPolicy, 'Never');
  t.equal(pods[0]!.metadata.ownerReferences?.[0]?.kind, 'Job');

  for (const p of pods) await setPodPhase(client, p, 'Succeeded');
  await reconciler.reconcile('default/batch');
  pods = await listPods(client, 'default', `${JOB_NAME_LABEL}=batch`);
  t.equal(active(pods).length, 1, 'only one more completion needed');
  t.match((await client.get<Job>(JOBS, 'default', 'batch'))!.status, { active: 1, succeeded: 2, failed: 0 });

  await setPodPhase(client, active(pods)[0]!, 'Succeeded');
  await reconciler.reconcile('default/batch');
  const job = (await client.get<Job>(JOBS, 'default', 'batch'))!;
  t.match(job.status, { active: 0, succeeded: 3, conditions: [{ type: 'Complete', status: 'True' }] });
  t.ok(job.status?.completionTime);
  await reconciler.reconcile('default/batch');
  t.equal((await listPods(client, 'default', `${JOB_NAME_LABEL}=batch`)).length, 3, 'a finished job makes no more pods');
});

t.test('fails after more than backoffLimit failed pods', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  await client.create(JOBS, jobManifest('flaky', { completions: 1, parallelism: 1, backoffLimit: 1 }));
  const reconciler = createJobReconciler({ client, recorder: noEvents });
  for (let i = 0; i < 2; i++) {
    await reconciler.reconcile('default/flaky');
    const [p] = active(await listPods(client));
    t.ok(p, `attempt ${i + 1} has a pod`);
    await setPodPhase(client, p!, 'Failed');
  }
  await reconciler.reconcile('default/flaky');
  const job = (await client.get<Job>(JOBS, 'default', 'flaky'))!;
  t.match(job.status, { failed: 2, active: 0, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] });
  t.equal(active(await listPods(client)).length, 0);
});

t.test('activeDeadlineSeconds fails a job that runs too long', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const clock = new ManualClock(Date.now());
  await client.create(JOBS, jobManifest('slow', { activeDeadlineSeconds: 10 }));
  const reconciler = createJobReconciler({ client, clock, recorder: noEvents });
  const first = await reconciler.reconcile('default/slow');
  t.ok(first && first.requeueAfterMs! > 9_000 && first.requeueAfterMs! <= 10_001, 'comes back at the deadline');
  t.equal(active(await listPods(client)).length, 1);
  clock.advance(10_001);
  await reconciler.reconcile('default/slow');
  const job = (await client.get<Job>(JOBS, 'default', 'slow'))!;
  t.match(job.status, { active: 0, conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }] });
  t.equal((await listPods(client)).length, 0, 'its pod was stopped');
});

t.test('pods carry the labels the registry generated and are found by the Job selector', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const job = await client.create<Job>(JOBS, jobManifest('hello', {}));
  // Another workload's pod that merely reuses the job-name label is not the Job's.
  await client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'impostor', namespace: 'default', labels: { 'job-name': 'hello' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  const reconciler = createJobReconciler({ client, recorder: noEvents });
  await reconciler.reconcile('default/hello');
  const own = await listPods(client, 'default', `batch.kubernetes.io/controller-uid=${job.metadata.uid}`);
  t.equal(own.length, 1, 'one pod of its own');
  t.match(own[0]!.metadata.labels, {
    'job-name': 'hello',
    'batch.kubernetes.io/job-name': 'hello',
    'controller-uid': job.metadata.uid,
    'batch.kubernetes.io/controller-uid': job.metadata.uid,
  });
  t.match((await client.get<Job>(JOBS, 'default', 'hello'))!.status, { active: 1 }, 'the impostor is not counted');
});

t.test('a manualSelector Job creates pods with the template labels only', async (t) => {
  const { client, close } = await newCluster();
  t.teardown(close);
  const manual = jobManifest('manual', { manualSelector: true, selector: { matchLabels: { run: 'manual' } } });
  manual.spec.template = { ...manual.spec.template, metadata: { labels: { run: 'manual' } } } as typeof manual.spec.template;
  await client.create(JOBS, manual);
  await createJobReconciler({ client, recorder: noEvents }).reconcile('default/manual');
  const pods = await listPods(client, 'default', 'run=manual');
  t.equal(pods.length, 1);
  t.same(pods[0]!.metadata.labels, { run: 'manual' });
  t.match((await client.get<Job>(JOBS, 'default', 'manual'))!.status, { active: 1 });
});
