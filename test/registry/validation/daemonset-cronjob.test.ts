// DaemonSet and CronJob writes: Kubernetes' defaults, and bad input rejected
// with the field path and Kubernetes' own message, while good objects are served.

import t from 'tap';
import { CRON_JOBS, DAEMON_SETS } from '../../../control/api/index.ts';
import type { CronJob, DaemonSet } from '../../../control/api/index.ts';
import { createRegistry } from '../../../control/registry/index.ts';
import { MemoryStore } from '../../../control/store/index.ts';
import { expectApiError } from '../../helpers/expect-error.ts';

async function setup() {
  const store = new MemoryStore();
  const registry = createRegistry({ store });
  await registry.ensureNamespaces(['default']);
  return { registry, close: () => store.close() };
}

const podTemplate = (restartPolicy?: string) => ({ spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'c', image: 'busybox' }] } });

function cronJob(spec: Record<string, unknown>, name = 'cj') {
  return { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: podTemplate('OnFailure') } }, ...spec } };
}

function daemonSet(spec: Record<string, unknown> = {}, template: Record<string, unknown> = podTemplate()) {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'ds' },
    spec: { selector: { matchLabels: { app: 'ds' } }, template: { metadata: { labels: { app: 'ds' } }, ...template }, ...spec },
  };
}

t.test('CronJob: defaults and the schedule/time zone rules', async (t) => {
  const { registry, close } = await setup();
  t.teardown(close);
  const ok = await registry.create<CronJob>(CRON_JOBS, cronJob({ schedule: '@hourly', timeZone: 'Europe/Paris' }));
  t.match(ok.spec, { concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  t.equal(ok.spec?.jobTemplate.spec.template.spec.terminationGracePeriodSeconds, 30, 'the pod template is defaulted');

  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ schedule: '61 * * * *' }, 'spec.schedule', /^Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61$/],
    [{ schedule: '* * * *' }, 'spec.schedule', /^Invalid value: "\* \* \* \*": expected exactly 5 fields, found 4: \[\* \* \* \*\]$/],
    [{ schedule: 'CRON_TZ=UTC * * * * *' }, 'spec.schedule', /^Invalid value: "CRON_TZ=UTC \* \* \* \* \*": cannot use TZ or CRON_TZ in schedule, use timeZone field instead$/],
    [{ schedule: 'TZ=UTC 0 * * * *' }, 'spec.schedule', /cannot use TZ or CRON_TZ in schedule/],
    [{ timeZone: 'Europe/Pariss' }, 'spec.timeZone', /^Invalid value: "Europe\/Pariss": unknown time zone Europe\/Pariss$/],
    [{ timeZone: 'Local' }, 'spec.timeZone', /explicit time zone/],
    [{ concurrencyPolicy: 'Sometimes' }, 'spec.concurrencyPolicy', /Unsupported value: "Sometimes"/],
    [{ startingDeadlineSeconds: -1 }, 'spec.startingDeadlineSeconds', /must be greater than or equal to 0/],
    [{ jobTemplate: { spec: { template: podTemplate('Always') } } }, 'spec.jobTemplate.spec.template.spec.restartPolicy', /Unsupported value: "Always": supported values: "OnFailure", "Never"/],
  ];
  for (const [spec, field, message] of cases) {
    const err = await expectApiError(registry.create(CRON_JOBS, cronJob(spec, 'bad')), 'Invalid');
    const cause = err.details?.causes?.find((c) => c.field === field);
    t.match(cause?.message, message, `${JSON.stringify(spec)} → ${field}`);
  }
  const long = await expectApiError(registry.create(CRON_JOBS, cronJob({}, 'a'.repeat(53))), 'Invalid');
  t.match(long.details?.causes, [{ field: 'metadata.name', message: /must be no more than 52 characters/ }]);
  t.ok(await registry.get(CRON_JOBS, 'default', 'cj'), 'the valid CronJob is still served');
});

t.test('DaemonSet: defaults and the workload rules', async (t) => {
  const { registry, close } = await setup();
  t.teardown(close);
  const ok = await registry.create<DaemonSet>(DAEMON_SETS, daemonSet());
  t.same(ok.spec?.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  t.equal(ok.spec?.revisionHistoryLimit, 10);
  t.equal(ok.spec?.template.spec.restartPolicy, 'Always');
  await registry.delete(DAEMON_SETS, 'default', 'ds');

  const cases: [ReturnType<typeof daemonSet>, string, RegExp][] = [
    [daemonSet({}, podTemplate('Never')), 'spec.template.spec.restartPolicy', /Unsupported value: "Never": supported values: "Always"/],
    [daemonSet({ updateStrategy: { type: 'Recreate' } }), 'spec.updateStrategy.type', /Unsupported value: "Recreate": supported values: "OnDelete", "RollingUpdate"/],
    [daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }), 'spec.updateStrategy.rollingUpdate.maxUnavailable', /may not be 0 when `maxSurge` is 0/],
    [daemonSet({ selector: { matchLabels: { app: 'other' } } }), 'spec.template.metadata.labels', /`selector` does not match template `labels`/],
  ];
  for (const [obj, field, message] of cases) {
    const err = await expectApiError(registry.create(DAEMON_SETS, obj), 'Invalid');
    t.match(err.details?.causes?.find((c) => c.field === field)?.message, message, field);
  }
  const surge = await registry.create<DaemonSet>(DAEMON_SETS, daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } } }));
  t.same(surge.spec?.updateStrategy?.rollingUpdate, { maxUnavailable: 0, maxSurge: '25%' }, 'surge without unavailability is allowed');
});
