// End to end with real kubectl: `meshlet up --scheduler-config FILE` runs the
// profiles of a KubeSchedulerConfiguration with a user plugin module (the
// test's Filter, Score and gang Permit); pods choose a profile by
// spec.schedulerName; PriorityClasses print as kubectl expects; a bad
// configuration fails `up` with its field path before anything starts.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectl, meshlet } from '../helpers/meshlet-cli.ts';
import { waitFor } from '../helpers/wait.ts';

const PLUGIN = fileURLToPath(new URL('../scheduler/fixtures/test-plugin.ts', import.meta.url));
const WAIT = { timeoutMs: 90_000, intervalMs: 250 };

const CONFIG = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
    plugins:
      multiPoint:
        enabled: [{name: TestPlugin, weight: 50}]
    pluginConfig:
      - name: TestPlugin
        args: {permitTimeoutSeconds: 120}
  - schedulerName: plain-scheduler
pluginModules:
  - name: TestPlugin
    path: ${JSON.stringify(PLUGIN)}
`;

const pod = (name: string, extra: { labels?: Record<string, string>; schedulerName?: string; nodeName?: string } = {}) => `---
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: ${JSON.stringify(extra.labels ?? { app: name })}
spec:
  ${extra.schedulerName ? `schedulerName: ${extra.schedulerName}` : ''}
  ${extra.nodeName ? `nodeSelector: {kubernetes.io/hostname: ${extra.nodeName}}` : ''}
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: busybox
    command: ["sleep", "600"]
`;

t.test('profiles and a user plugin module drive scheduling, through real kubectl', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-sched-'));
  const config = join(home, 'scheduler.yaml');
  writeFileSync(config, CONFIG);
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  const up = await meshlet(home, ['up', '--detach', '--quiet', '--nodes', '2', '--scheduler-config', config]);
  t.equal(up.code, 0, `up succeeded: ${up.stderr}`);

  const apply = async (name: string, yaml: string) => {
    const file = join(home, `${name}.yaml`);
    writeFileSync(file, yaml);
    const res = await kubectl(home, ['apply', '-f', file]);
    t.equal(res.code, 0, `apply ${name}: ${res.stderr}`);
  };
  const nodeOf = async (name: string) => (await kubectl(home, ['get', 'pod', name, '-o', 'jsonpath={.spec.nodeName}'])).stdout.trim();
  const bound = (name: string) => waitFor(`${name} bound`, async () => (await nodeOf(name)) || undefined, WAIT);

  const nodes = (await kubectl(home, ['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}'])).stdout.trim().split(/\s+/).sort();
  t.equal(nodes.length, 2);
  const [first, second] = nodes as [string, string];

  // Score: the preferred node wins over LeastAllocated's spreading (weight 50).
  t.equal((await kubectl(home, ['label', 'node', second, 'meshlet.test/preferred=true'])).code, 0);
  await apply('scored', ['s-0', 's-1', 's-2'].map((n) => pod(n)).join(''));
  for (const n of ['s-0', 's-1', 's-2']) t.equal(await bound(n), second, `${n} on the preferred node`);

  // Filter: an avoided node takes nothing from this profile, whatever the score says.
  t.equal((await kubectl(home, ['label', 'node', second, 'meshlet.test/avoid=true'])).code, 0);
  await apply('filtered', pod('f-0'));
  t.equal(await bound('f-0'), first, 'kept off the avoided node');
  await apply('pinned', pod('pinned', { nodeName: second }));
  const message = await waitFor('pinned unschedulable', async () => {
    const res = await kubectl(home, ['get', 'pod', 'pinned', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}']);
    return res.stdout.includes('nodes are available') ? res.stdout : undefined;
  }, WAIT);
  t.match(message, "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were avoided by TestPlugin.");
  // The other profile has no TestPlugin: the same pod asking for plain-scheduler goes there.
  await apply('plain', pod('plain', { nodeName: second, schedulerName: 'plain-scheduler' }));
  t.equal(await bound('plain'), second, 'plain-scheduler ignores the avoid label');

  // Permit: a gang member waits until its partner has a node, then both bind.
  t.equal((await kubectl(home, ['label', 'node', second, 'meshlet.test/avoid-'])).code, 0);
  const gang = { 'meshlet.test/gang': 'g', 'meshlet.test/gang-size': '2' };
  await apply('g-0', pod('g-0', { labels: gang }));
  await apply('marker', pod('marker'));
  await bound('marker');
  t.equal(await nodeOf('g-0'), '', 'g-0 is held at Permit while a later pod was scheduled');
  await apply('g-1', pod('g-1', { labels: gang }));
  t.ok(await bound('g-0'), 'g-0 bound once the gang was complete');
  t.ok(await bound('g-1'), 'g-1 bound');

  const pcs = await kubectl(home, ['get', 'pc']);
  t.equal(pcs.code, 0, pcs.stderr);
  t.match(pcs.stdout, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE/);
  t.match(pcs.stdout, /system-cluster-critical\s+2000000000\s+false/);
  t.match(pcs.stdout, /system-node-critical\s+2000001000\s+false/);
});

t.test('a bad configuration fails up with the field path, before anything starts', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'meshlet-sched-bad-'));
  const config = join(home, 'bad.yaml');
  writeFileSync(config, 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n  - schedulerName: s\n    plugins:\n      filter:\n        enabled: [{name: NodeFoo}]\n');
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const up = await meshlet(home, ['up', '--scheduler-config', config]);
  t.equal(up.code, 1);
  t.match(up.stderr, 'profiles[0].plugins.filter.enabled[0].name: Invalid value: "NodeFoo": plugin does not exist');
  const status = await meshlet(home, ['status']);
  t.equal(status.code, 1, 'no cluster was left running');
});
