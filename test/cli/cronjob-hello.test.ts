// Kubernetes' CronJob example (application/job/cronjob.yaml), unchanged, with the
// real kubectl against `meshlet up`: a Job starts at the next minute, its pod's log
// shows the date and the greeting, the LAST SCHEDULE column fills, and
// `kubectl create job --from=cronjob/hello` runs the template by hand.

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REFERENCE_ROOT } from '../helpers/reference.ts';
import { kubectl, meshlet } from '../helpers/meshlet-cli.ts';
import { waitFor } from '../helpers/wait.ts';

const MANIFEST = join(REFERENCE_ROOT, 'kubernetes-examples', 'cronjob-hello.yaml');

interface JobList {
  items: { metadata: { name: string; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] }; status?: { succeeded?: number } }[];
}

t.test('cronjob-hello runs every minute', { timeout: 300_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-cronjob-'));
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  const up = await meshlet(home, ['up', '--detach', '--nodes', '1']);
  t.equal(up.code, 0, `up: ${up.stderr}`);

  const applied = await kubectl(home, ['apply', '-f', MANIFEST]);
  t.equal(applied.code, 0, applied.stderr);
  t.match(applied.stdout, /cronjob\.batch\/hello created/);

  const listed = await kubectl(home, ['get', 'cj', 'hello']);
  t.match(listed.stdout, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE/m, 'kubectl prints the CronJob columns');
  t.match(listed.stdout, /hello\s+\* \* \* \* \*\s+<none>\s+False\s+\d+\s+/);

  // The next minute can be up to 60 s away.
  const job = await waitFor('a Job of the CronJob that succeeded', async () => {
    const res = await kubectl(home, ['get', 'jobs', '-o', 'json']);
    const items = res.code === 0 ? (JSON.parse(res.stdout) as JobList).items : [];
    return items.find((j) => j.metadata.ownerReferences?.[0]?.name === 'hello' && (j.status?.succeeded ?? 0) >= 1);
  }, { timeoutMs: 150_000, intervalMs: 1000 });
  t.match(job.metadata.name, /^hello-\d+$/, 'named by the scheduled minute');
  const minutes = Number(job.metadata.name.slice('hello-'.length));
  t.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(minutes * 60_000).toISOString().replace('.000Z', 'Z'));

  const logs = await kubectl(home, ['logs', `job/${job.metadata.name}`]);
  t.equal(logs.code, 0, logs.stderr);
  t.match(logs.stdout, /\d{2}:\d{2}:\d{2}/, 'the date');
  t.match(logs.stdout, /Hello from the Kubernetes cluster/);

  const after = await waitFor('LAST SCHEDULE filled', async () => {
    const res = await kubectl(home, ['get', 'cronjob', 'hello']);
    return /hello\s+\* \* \* \* \*\s+<none>\s+False\s+\d+\s+\d+s\s+/.test(res.stdout) ? res : undefined;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  t.notMatch(after.stdout, /<none>\s+\S+\s*$/m, 'the LAST SCHEDULE column is no longer <none>');

  const manual = await kubectl(home, ['create', 'job', '--from=cronjob/hello', 'hello-manual']);
  t.equal(manual.code, 0, manual.stderr);
  const manualLogs = await waitFor('the manual Job’s log', async () => {
    const res = await kubectl(home, ['logs', 'job/hello-manual']);
    return res.code === 0 && /Hello from the Kubernetes cluster/.test(res.stdout) ? res : undefined;
  }, { timeoutMs: 60_000, intervalMs: 1000 });
  t.match(manualLogs.stdout, /Hello from the Kubernetes cluster/);
  const described = await kubectl(home, ['describe', 'cronjob', 'hello']);
  t.match(described.stdout, /SuccessfulCreate\s+.*Created job hello-\d+/, 'describe shows the controller’s events');
});
