import t from 'tap';
import { ManualClock } from '../../../control/api/index.ts';
import type { ContainerStatus } from '../../../control/api/index.ts';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageMapFromEntries, loadImageMap } from '../../../control/agent/containers/index.ts';
import { collect, groupAlive, harness, node, pidOf, podSpec, sh, startWatched, tempRunDir, waitFor } from './helpers.ts';

const forever = 'setInterval(() => {}, 1000)';

t.test('Always: one of three containers crashing restarts alone; the others keep their process and restartCount 0', async (t) => {
  const clock = new ManualClock(1_000_000);
  const h = harness({ clock });
  t.teardown(() => h.close());
  const marker = `${h.runDir}/crashed-once`;
  // The first run waits for the siblings to be up before crashing, so their pids are known first.
  const spec = podSpec([
    { name: 'first', ...sh('exec sleep 100') },
    { name: 'crasher', ...sh('echo run; test -f "$M" || { touch "$M"; sleep 1; }; exit 3', { M: marker }) },
    { name: 'third', ...sh('exec sleep 100') },
  ]);
  const w = startWatched(h.runtime, spec);
  const running = await waitFor('all three running', () => (w.latest().containerStatuses.every((c) => c.state.running) ? w.latest() : undefined));
  const pids = { first: pidOf(running, 'first'), third: pidOf(running, 'third') };

  const crashed = await waitFor('the crasher terminated', () => w.latest().containerStatuses[1]!.state.terminated);
  t.equal(crashed.exitCode, 3);
  t.equal(crashed.reason, 'Error', 'the first crash shows Error, not CrashLoopBackOff');
  t.equal(clock.pendingTimers(), 1, 'one restart is scheduled, for the crasher');
  clock.advance(1000);
  await waitFor('the crasher restarted once', () => w.latest().containerStatuses[1]!.restartCount === 1);
  await waitFor('the crasher backs off', () => w.latest().containerStatuses[1]!.state.waiting?.reason === 'CrashLoopBackOff');

  const status = w.latest();
  const [first, crasher, third] = status.containerStatuses;
  t.match(crasher!.state.waiting?.message, /^back-off 10s restarting failed container=crasher pod=pod-\d+_default\(uid-/);
  t.equal(crasher!.lastState?.terminated?.exitCode, 3);
  t.equal(crasher!.lastState?.terminated?.reason, 'Error');
  for (const [name, c] of [['first', first], ['third', third]] as const) {
    t.ok(c!.state.running, `${name} still runs`);
    t.equal(c!.restartCount, 0, `${name} was not restarted`);
    t.equal(pidOf(status, name), pids[name], `${name} kept its process`);
    t.ok(groupAlive(pids[name]), `${name}'s process is alive`);
    t.notOk(c!.lastState, `${name} has no previous instance`);
  }
  t.equal(status.phase, 'Running');
  t.equal(status.ready, false, 'the pod is not ready while one container backs off');
  t.same(w.events().filter((e) => e.reason === 'BackOff').map((e) => e.message.split(' in pod ')[0]), ['Back-off restarting failed container crasher']);
  t.equal(w.events().filter((e) => e.reason === 'Started').length, 4, 'three starts and one restart');
  t.equal(await collect(h.runtime.logs(spec.namespace, spec.name, { container: 'crasher', previous: true })), 'run\n');
});

t.test('Error, then CrashLoopBackOff with kubelet delays 10s, 20s, 40s … capped at 5m', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock });
  t.teardown(() => h.close());
  const w = startWatched(h.runtime, podSpec([{ name: 'crasher', ...sh('exit 1') }]));
  const restarts = (): number => w.latest().containerStatuses[0]!.restartCount;

  await waitFor('first crash', () => w.latest().containerStatuses[0]!.state.terminated);
  t.equal(w.latest().containerStatuses[0]!.state.terminated?.reason, 'Error');
  clock.advance(999);
  t.equal(restarts(), 0, 'not restarted before the first-restart delay');
  clock.advance(1);
  await waitFor('restarted at once after the first crash', () => restarts() === 1);

  const expected: [number, string][] = [
    [10_000, '10s'], [20_000, '20s'], [40_000, '40s'], [80_000, '1m20s'], [160_000, '2m40s'], [300_000, '5m0s'], [300_000, '5m0s'],
  ];
  for (const [i, [delayMs, text]] of expected.entries()) {
    const count = i + 1;
    const waiting = await waitFor(`back-off ${text}`, () => {
      const c = w.latest().containerStatuses[0]!;
      return c.restartCount === count && c.state.waiting?.reason === 'CrashLoopBackOff' ? c.state.waiting : undefined;
    });
    t.match(waiting.message, new RegExp(`^back-off ${text} restarting failed container=crasher `));
    clock.advance(delayMs - 1);
    t.equal(restarts(), count, `still waiting 1 ms before ${text}`);
    clock.advance(1);
    await waitFor(`restart ${count + 1}`, () => restarts() === count + 1);
  }
  const reasons = w.statuses.map((s) => s.containerStatuses[0]!.state.terminated?.reason ?? s.containerStatuses[0]!.state.waiting?.reason);
  t.ok(reasons.indexOf('Error') >= 0 && reasons.indexOf('Error') < reasons.indexOf('CrashLoopBackOff'), 'Error was reported before CrashLoopBackOff');
  // The last restart crashes again and backs off once more: one BackOff per back-off, none for the first restart.
  await waitFor('the next back-off', () => restarts() === expected.length + 1 && w.latest().containerStatuses[0]!.state.waiting?.reason === 'CrashLoopBackOff');
  await waitFor('its event', () => w.events().filter((e) => e.reason === 'BackOff').length === expected.length + 1);
  t.equal(w.events().filter((e) => e.reason === 'BackOff').length, expected.length + 1);
});

t.test('Never: a failing container stays terminated, the others run on; the pod fails once all exited', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const release = `${h.runDir}/release`;
  const spec = podSpec(
    [
      { name: 'fails', ...sh('exit 2') },
      { name: 'other', ...sh('while ! test -f "$R"; do sleep 0.05; done', { R: release }) },
    ],
    { restartPolicy: 'Never' },
  );
  const w = startWatched(h.runtime, spec);
  await waitFor('fails terminated while other runs', () => w.latest().containerStatuses[0]!.state.terminated && w.latest().containerStatuses[1]!.state.running);
  const otherPid = pidOf(w.latest(), 'other');
  t.equal(w.latest().phase, 'Running', 'not Failed while a container still runs');
  writeFileSync(release, '');
  await waitFor('Failed with everything exited', () => w.latest().phase === 'Failed');
  const [fails, other] = w.latest().containerStatuses;
  t.equal(fails!.state.terminated?.exitCode, 2);
  t.equal(fails!.state.terminated?.reason, 'Error');
  t.equal(other!.state.terminated?.exitCode, 0, 'other ended by itself, not by SIGTERM');
  t.equal(other!.state.terminated?.reason, 'Completed');
  t.equal(other!.containerID, `meshlet://${otherPid}`);
  t.same([fails!.restartCount, other!.restartCount], [0, 0]);
});

t.test('Never and OnFailure: all containers exiting 0 → Succeeded', async (t) => {
  for (const restartPolicy of ['Never', 'OnFailure'] as const) {
    const h = harness();
    const spec = podSpec(
      [
        { name: 'quick', ...sh('exit 0') },
        { name: 'slower', ...sh('sleep 0.15') },
      ],
      { restartPolicy },
    );
    const w = startWatched(h.runtime, spec);
    await waitFor(`${restartPolicy} Succeeded`, () => w.statuses.at(-1)?.phase === 'Succeeded');
    t.same(
      w.latest().containerStatuses.map((c) => [c.state.terminated?.reason, c.restartCount]),
      [
        ['Completed', 0],
        ['Completed', 0],
      ],
      restartPolicy,
    );
    await h.close();
  }
});

t.test('OnFailure: a non-zero exit restarts, a zero exit completes', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock });
  t.teardown(() => h.close());
  const dir = h.runDir;
  // Fails on the first run, succeeds on the second (a marker file remembers).
  const w = startWatched(h.runtime, podSpec([{ name: 'job', ...sh('test -f marker && exit 0; touch marker; exit 1', {}, { workingDir: dir }) }], { restartPolicy: 'OnFailure' }));
  await waitFor('the failure', () => w.latest().containerStatuses[0]!.state.terminated?.reason === 'Error');
  clock.advance(1000);
  await waitFor('Succeeded', () => w.latest().phase === 'Succeeded');
  t.equal(w.latest().containerStatuses[0]!.restartCount, 1);
  t.equal(w.latest().containerStatuses[0]!.lastState?.terminated?.exitCode, 1);
});

t.test('init containers run in order, each to completion, before the main containers', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const file = `${h.runDir}/order`;
  const spec = podSpec([{ name: 'main', ...sh('echo main >> "$F"; exec sleep 100', { F: file }) }], {
    initContainers: [
      { name: 'first', ...sh('sleep 0.15; echo first >> "$F"', { F: file }) },
      { name: 'second', ...sh('echo second >> "$F"', { F: file }) },
    ],
  });
  const w = startWatched(h.runtime, spec);
  const early = w.latest();
  t.equal(early.phase, 'Pending');
  t.equal(early.containerStatuses[0]!.state.waiting?.reason, 'PodInitializing');
  await waitFor('Running', () => w.latest().phase === 'Running');
  const { readFileSync } = await import('node:fs');
  await waitFor('main wrote', () => readFileSync(file, 'utf8').includes('main'));
  t.equal(readFileSync(file, 'utf8'), 'first\nsecond\nmain\n');
  t.same(
    w.latest().initContainerStatuses?.map((c) => c.state.terminated?.reason),
    ['Completed', 'Completed'],
  );
  t.equal(w.latest().initialized, true);
});

t.test('a failing init container fails a Never pod; the main container never starts', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'main', ...node(forever) }], { restartPolicy: 'Never', initContainers: [{ name: 'init', ...sh('exit 7') }] });
  const w = startWatched(h.runtime, spec);
  await waitFor('Failed', () => w.latest().phase === 'Failed');
  t.equal(w.latest().initContainerStatuses?.[0]?.state.terminated?.exitCode, 7);
  t.equal(w.latest().containerStatuses[0]!.state.waiting?.reason, 'PodInitializing');
});

t.test('an unmapped image without a command waits with ImageNotMapped, naming the user map file', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock, imageMap: imageMapFromEntries({}, '/home/u/.meshlet/images.yaml') });
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'web', image: 'docker.io/library/nginx:1.27', env: {} }]);
  const w = startWatched(h.runtime, spec);
  await waitFor('a status callback', () => w.statuses.length > 0);
  const status = w.latest();
  t.equal(status.phase, 'Pending');
  t.equal(status.containerStatuses[0]!.state.waiting?.reason, 'ImageNotMapped');
  t.match(status.containerStatuses[0]!.state.waiting?.message, /image "docker\.io\/library\/nginx:1\.27" is not mapped.*\/home\/u\/\.meshlet\/images\.yaml/);
  t.equal(status.reason, 'ImageNotMapped');
  t.equal(clock.pendingTimers(), 0, 'no retry loop');
  t.ok(w.events().some((e) => e.reason === 'Failed' && e.type === 'Warning'));
});

t.test('a missing executable waits with RunContainerError and is retried with backoff', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock });
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'app', image: 'x', command: ['meshlet-no-such-binary'], env: {} }]);
  const w = startWatched(h.runtime, spec);
  await waitFor('RunContainerError', () => w.latest().containerStatuses[0]!.state.waiting?.reason === 'RunContainerError');
  t.match(w.latest().containerStatuses[0]!.state.waiting?.message, /exec: "meshlet-no-such-binary": executable file not found in \$PATH/);
  t.equal(w.latest().phase, 'Pending');
  t.equal(clock.pendingTimers(), 1, 'a restart is scheduled');
  clock.advance(1000);
  await waitFor('retried', () => w.latest().containerStatuses[0]!.restartCount === 1);
  t.equal(w.latest().containerStatuses[0]!.state.waiting?.reason, 'RunContainerError');

  const never = startWatched(h.runtime, podSpec([{ name: 'app', image: 'x', command: ['./missing.sh'], env: {} }], { restartPolicy: 'Never' }));
  await waitFor('Failed', () => never.latest().phase === 'Failed');
});

t.test('RestartBackoff: a prompt first restart, then 10 s doubling to 300 s, reset after 10 minutes of running', async (t) => {
  const { RestartBackoff } = await import('../../../control/agent/containers/restart-backoff.ts');
  const b = new RestartBackoff();
  const steps: [number, number, boolean][] = [
    [0, 1000, false],
    [10, 10_000, true],
    [599_999, 20_000, true],
    [0, 40_000, true],
    [0, 80_000, true],
    [0, 160_000, true],
    [0, 300_000, true],
    [0, 300_000, true],
    [600_000, 1000, false],
    [0, 10_000, true],
  ];
  for (const [ranFor, delayMs, backingOff] of steps) t.same(b.next(ranFor), { delayMs, backingOff }, `ran ${ranFor} ms`);
  const fast = new RestartBackoff({ initialMs: 100, maxMs: 250, firstRestartMs: 0 });
  t.same([0, 0, 0, 0].map(() => fast.next(0).delayMs), [0, 100, 200, 250], 'options shorten it for tests');
});

t.test('a container that ran for the reset window crashes as if for the first time again', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock });
  t.teardown(() => h.close());
  // Runs 1 and 2 exit at once; later runs exit on SIGUSR2.
  const count = `${h.runDir}/runs`;
  const spec = podSpec([{ name: 'app', ...sh(`echo x >> "$C"; test $(wc -l < "$C") -gt 2 || exit 1; trap 'exit 1' USR2; echo armed; sleep 100 & wait`, { C: count }) }]);
  const w = startWatched(h.runtime, spec);
  const app = (): ContainerStatus => w.latest().containerStatuses[0]!;
  await waitFor('first crash', () => app().state.terminated);
  clock.advance(1000);
  await waitFor('second crash backs off', () => app().state.waiting?.reason === 'CrashLoopBackOff');
  t.match(app().state.waiting?.message, /^back-off 10s /);
  clock.advance(10_000);
  await waitFor('armed', async () => (await collect(h.runtime.logs(spec.namespace, spec.name, {}))).includes('armed'));
  clock.advance(600_000);
  process.kill(pidOf(w.latest(), 'app'), 'SIGUSR2');
  await waitFor('third crash', () => app().restartCount === 2 && app().state.terminated);
  t.equal(app().state.terminated?.reason, 'Error', 'a first crash again: Error, not CrashLoopBackOff');
  clock.advance(1000);
  await waitFor('restarted promptly, not after 20 s', () => app().restartCount === 3);
});

t.test('a failing init container is retried alone with backoff under Always', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock });
  t.teardown(() => h.close());
  const marker = `${h.runDir}/init-ran`;
  const spec = podSpec([{ name: 'main', ...sh('exec sleep 100') }], { initContainers: [{ name: 'setup', ...sh('test -f "$M" && exit 0; touch "$M"; exit 5', { M: marker }) }] });
  const w = startWatched(h.runtime, spec);
  await waitFor('init failed', () => w.latest().initContainerStatuses?.[0]?.state.terminated);
  t.equal(w.latest().phase, 'Pending');
  t.equal(w.latest().initContainerStatuses?.[0]?.state.terminated?.exitCode, 5);
  t.equal(w.latest().containerStatuses[0]!.state.waiting?.reason, 'PodInitializing');
  clock.advance(1000);
  await waitFor('Running', () => w.latest().phase === 'Running');
  t.equal(w.latest().initContainerStatuses?.[0]?.restartCount, 1);
  t.equal(w.latest().initContainerStatuses?.[0]?.lastState?.terminated?.exitCode, 5);
  t.equal(w.latest().containerStatuses[0]!.restartCount, 0);
});

t.test('adding the image to the user map file starts a container that waited with ImageNotMapped', async (t) => {
  const dir = tempRunDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const userFile = join(dir, 'images.yaml');
  const h = harness({ imageMap: loadImageMap([], { userFile }), imageMapPollMs: 50 });
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'web', image: 'example.com/team/web:2', env: {} }], { initContainers: [{ name: 'setup', image: 'example.com/team/setup', env: {} }] });
  const w = startWatched(h.runtime, spec);
  await waitFor('init waits for its image', () => w.latest().initContainerStatuses?.[0]?.state.waiting?.reason === 'ImageNotMapped');
  writeFileSync(join(dir, 'setup.sh'), '#!/bin/sh\necho set up\n', { mode: 0o755 });
  writeFileSync(join(dir, 'web.mjs'), 'console.log("web up"); setInterval(() => {}, 1000);\n');
  writeFileSync(userFile, 'images:\n  example.com/team/setup: setup.sh\n');
  await waitFor('main waits for its image', () => w.latest().containerStatuses[0]!.state.waiting?.reason === 'ImageNotMapped');
  t.equal(w.latest().initContainerStatuses?.[0]?.state.terminated?.reason, 'Completed');
  writeFileSync(userFile, 'images:\n  example.com/team/setup: setup.sh\n  example.com/team/web: { program: web.mjs }\n');
  await waitFor('Running', () => w.latest().phase === 'Running');
  await waitFor('logged', async () => (await collect(h.runtime.logs(spec.namespace, spec.name, { container: 'web' }))) === 'web up\n');
  t.equal(w.latest().reason, undefined, 'the pod no longer reports ImageNotMapped');
});

t.test('stop during a backoff cancels the restart and reports a final state', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock });
  t.teardown(() => h.close());
  const w = startWatched(h.runtime, podSpec([{ name: 'crasher', ...sh('exit 1') }]));
  await waitFor('first crash', () => w.latest().containerStatuses[0]!.state.terminated);
  clock.advance(1000);
  await waitFor('backoff', () => w.latest().containerStatuses[0]!.state.waiting?.reason === 'CrashLoopBackOff');
  t.equal(clock.pendingTimers(), 1);
  await w.pod.stop();
  t.equal(clock.pendingTimers(), 0, 'the restart timer is cancelled');
  clock.advance(600_000);
  t.equal(w.latest().containerStatuses[0]!.restartCount, 1, 'nothing restarted after stop');
  t.equal(w.statuses.at(-1)?.containerStatuses[0]?.state.waiting?.reason, 'CrashLoopBackOff', 'the final callback carries the last state');
});

t.test('close stops every pod, including one still in its init containers', async (t) => {
  const h = harness();
  const a = startWatched(h.runtime, podSpec([{ name: 'a', ...sh('exec sleep 100') }]));
  const b = startWatched(h.runtime, podSpec([{ name: 'b', ...sh('exec sleep 100') }], { initContainers: [{ name: 'wait', ...sh('exec sleep 100') }] }));
  await waitFor('both running something', () => a.latest().containerStatuses[0]!.state.running && b.latest().initContainerStatuses?.[0]?.state.running);
  const pids = [pidOf(a.latest(), 'a'), Number(b.latest().initContainerStatuses![0]!.containerID!.slice('meshlet://'.length))];
  await h.close();
  for (const pid of pids) await waitFor(`group ${pid} gone`, () => !groupAlive(pid), 5000);
  t.equal(b.latest().phase, 'Pending');
  t.equal(b.latest().initContainerStatuses?.[0]?.state.terminated?.exitCode, 143);
  t.throws(() => h.runtime.startPod(podSpec([{ name: 'late', ...sh('true') }]), () => {}), { code: 'MESHLET_RUNTIME_CLOSED' });
});
