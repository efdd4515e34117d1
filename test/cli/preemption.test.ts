// End to end with real kubectl against `meshlet up`: PriorityClasses from a
// manifest, a node full of low-priority pods, and a high-priority pod that
// preempts one of them (Preempted event, graceful termination) and then runs
// on its node. Before preemption existed it stayed Pending.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, meshlet } from '../helpers/meshlet-cli.ts';
import { waitFor } from '../helpers/wait.ts';

const WAIT = { timeoutMs: 90_000, intervalMs: 250 };

const pod = (name: string, priorityClassName: string, cpu: string) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  priorityClassName: ${priorityClassName}
  terminationGracePeriodSeconds: 5
  containers:
  - name: main
    image: busybox
    command: ["sleep", "600"]
    resources: {requests: {cpu: "${cpu}"}}
`;

const CLASSES = `apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 10
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
description: preempts low
`;

t.test('a pending high-priority pod preempts a low-priority one and runs', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-preempt-'));
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  const up = await meshlet(home, ['up', '--detach', '--quiet', '--nodes', '1']);
  t.equal(up.code, 0, `up succeeded: ${up.stderr}`);
  const apply = async (name: string, yaml: string) => {
    const file = join(home, `${name}.yaml`);
    writeFileSync(file, yaml);
    const res = await kubectl(home, ['apply', '-f', file]);
    t.equal(res.code, 0, `apply ${name}: ${res.stderr}`);
  };
  const field = async (name: string, path: string) => (await kubectl(home, ['get', 'pod', name, '-o', `jsonpath={${path}}`])).stdout.trim();

  await apply('classes', CLASSES);
  const pcs = await kubectl(home, ['get', 'pc', 'low', 'high']);
  t.match(pcs.stdout, /low\s+10\s+false/);
  t.match(pcs.stdout, /high\s+1000\s+false/);

  // The node has 4 cpu: two low pods of 2 fill it.
  await apply('low', pod('low-0', 'low', '2') + pod('low-1', 'low', '2'));
  for (const n of ['low-0', 'low-1']) await waitFor(`${n} running`, async () => ((await field(n, '.status.phase')) === 'Running' ? true : undefined), WAIT);
  t.equal(await field('low-0', '.spec.priority'), '10', 'priority resolved from the class');

  await apply('high', pod('urgent', 'high', '2'));
  const uid = await field('urgent', '.metadata.uid');
  const event = await waitFor('Preempted event', async () => {
    const res = await kubectl(home, ['get', 'events', '--field-selector', 'reason=Preempted', '-o', 'jsonpath={range .items[*]}{.involvedObject.name} {.message}{"\\n"}{end}']);
    return res.stdout.trim() || undefined;
  }, WAIT);
  const [victim, ...message] = event.split(' ');
  t.ok(victim === 'low-0' || victim === 'low-1', `one victim: ${victim}`);
  t.equal(message.join(' '), `Preempted by pod ${uid} on node node-1`);
  t.equal(event.split('\n').length, 1, 'only one pod had to go');

  await waitFor('urgent running', async () => ((await field('urgent', '.status.phase')) === 'Running' ? true : undefined), WAIT);
  t.equal(await field('urgent', '.spec.nodeName'), 'node-1');
  const survivor = victim === 'low-0' ? 'low-1' : 'low-0';
  t.equal(await field(survivor, '.status.phase'), 'Running', 'the other low pod was left alone');
  const gone = await kubectl(home, ['get', 'pod', victim!]);
  t.match(gone.stderr, /NotFound|not found/, 'the victim was deleted');
});
