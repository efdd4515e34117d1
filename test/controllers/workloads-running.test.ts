// DaemonSets and CronJobs under startControllers with the real scheduler:
// the scheduler binds each daemon pod to the node its affinity pins, a node
// added later gets one, deleting the DaemonSet collects its pods and revisions,
// and a CronJob's requeue fires on the injected clock.

import t from 'tap';
import type { CronJob, DaemonSet, Pod } from '../../control/api/index.ts';
import { CONTROLLER_REVISIONS, CRON_JOBS, DAEMON_SETS, JOBS, ManualClock, PODS } from '../../control/api/index.ts';
import type { Job } from '../../control/controllers/index.ts';
import { startControllers } from '../../control/controllers/index.ts';
import { createRegistry } from '../../control/registry/index.ts';
import { startScheduler } from '../../control/scheduler/index.ts';
import { MemoryStore } from '../../control/store/index.ts';
import { createNode, kubeletStep, newCluster, nodeManifest, waitFor } from './cluster.ts';

t.test('the default scheduler places one daemon pod on every node, joined ones included', async (t) => {
  const { client, close } = await newCluster();
  await createNode(client, nodeManifest('node-1'));
  await createNode(client, nodeManifest('node-2', { taints: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }] }));
  const errors: string[] = [];
  const controllers = await startControllers({ client, onError: (name, key, err) => errors.push(`${name} ${key}: ${String(err)}`) });
  const scheduler = await startScheduler({ client });
  t.teardown(async () => {
    await scheduler.stop();
    await controllers.stop();
    await close();
  });
  await client.create(DAEMON_SETS, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'logger', namespace: 'kube-system' },
    spec: {
      selector: { matchLabels: { name: 'logger' } },
      template: {
        metadata: { labels: { name: 'logger' } },
        spec: { tolerations: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }], containers: [{ name: 'log', image: 'example/logger:1' }] },
      },
    },
  });
  const boundNodes = async () => {
    await kubeletStep(client, 'kube-system');
    const pods = (await client.list<Pod>(PODS, { namespace: 'kube-system' })).items.filter((p) => !p.metadata.deletionTimestamp);
    return pods.map((p) => p.spec?.nodeName ?? '-').sort().join(',');
  };
  await waitFor('a bound pod on both nodes', async () => ((await boundNodes()) === 'node-1,node-2' ? true : undefined), 15_000);
  await createNode(client, nodeManifest('node-3'));
  await waitFor('the new node gets its pod', async () => ((await boundNodes()) === 'node-1,node-2,node-3' ? true : undefined), 15_000);
  const ds = await waitFor('status of 3 available', async () => {
    await kubeletStep(client, 'kube-system');
    const cur = await client.get<DaemonSet>(DAEMON_SETS, 'kube-system', 'logger');
    return cur?.status?.numberAvailable === 3 && cur.status.desiredNumberScheduled === 3 ? cur : undefined;
  }, 15_000);
  t.equal(ds.status?.updatedNumberScheduled, 3);

  // Deleting the DaemonSet takes its pods and revisions with it (garbage collection by ownerReference).
  await client.delete(DAEMON_SETS, 'kube-system', 'logger');
  await waitFor('pods and revisions gone', async () => {
    await kubeletStep(client, 'kube-system');
    const pods = (await client.list(PODS, { namespace: 'kube-system' })).items.length;
    const revisions = (await client.list(CONTROLLER_REVISIONS, { namespace: 'kube-system' })).items.length;
    return pods === 0 && revisions === 0 ? true : undefined;
  }, 15_000);
  t.same(errors, [], 'no controller errors');
});

t.test('a CronJob under startControllers starts its Job when the injected clock reaches the minute', async (t) => {
  const clock = new ManualClock(Date.parse('2026-12-03T10:00:30Z'));
  const store = new MemoryStore();
  const client = createRegistry({ store, clock });
  await client.ensureNamespaces(['default']);
  const controllers = await startControllers({ client, clock });
  t.teardown(async () => {
    await controllers.stop();
    await store.close();
  });
  await client.create(CRON_JOBS, {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tick', namespace: 'default' },
    spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } } } },
  });
  // The first pass finds nothing due and asks to come back just after 10:01.
  await waitFor('the requeue timer', () => (clock.pendingTimers() > 0 ? true : undefined));
  t.equal((await client.list<Job>(JOBS, { namespace: 'default' })).items.length, 0);
  clock.advance(30_100);
  const job = await waitFor('the Job for 10:01', async () => (await client.list<Job>(JOBS, { namespace: 'default' })).items[0]);
  t.equal(job.metadata.name, `tick-${Math.floor(Date.parse('2026-12-03T10:01:00Z') / 60_000)}`);
  const cj = await waitFor('lastScheduleTime', async () => {
    const cur = await client.get<CronJob>(CRON_JOBS, 'default', 'tick');
    return cur?.status?.lastScheduleTime ? cur : undefined;
  });
  t.equal(cj.status?.lastScheduleTime, '2026-12-03T10:01:00Z');
});
