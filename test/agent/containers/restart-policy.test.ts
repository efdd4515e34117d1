import t from 'tap';
import { ManualClock } from '../../../control/api/index.ts';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageMapFromEntries, loadImageMap } from '../../../control/agent/containers/index.ts';
import { collect, groupAlive, harness, node, pidOf, podSpec, sh, startWatched, tempRunDir, waitFor } from './helpers.ts';

const forever = 'setInterval(() => {}, 1000)';

t.test('Always: a crash restarts the pod as a unit after exact backoff, counting restarts per container', async (t) => {
  const clock = new ManualClock(1_000_000);
  const h = harness({ clock, restartBackoff: { initialMs: 1000, maxMs: 4000, resetAfterMs: 60_000 } });
  t.teardown(() => h.close());
  const spec = podSpec([
    { name: 'crasher', ...sh('echo run; sleep 0.05; exit 3') },
    { name: 'steady', ...sh('exec sleep 100') },
  ]);
  const w = startWatched(h.runtime, spec);

  const crash = await waitFor('CrashLoopBackOff', () => {
    const s = w.latest().containerStatuses;
    return s.every((c) => c.state.waiting?.reason === 'CrashLoopBackOff') ? s : undefined;
  });
  t.equal(crash[0]!.lastState?.terminated?.exitCode, 3);
  t.equal(crash[1]!.lastState?.terminated?.exitCode, 143, 'the sibling was stopped with SIGTERM');
  t.match(crash[0]!.state.waiting?.message, /^back-off 1s restarting failed container=crasher pod=/);
  t.equal(w.latest().phase, 'Running', 'a pod in CrashLoopBackOff is still Running');
  t.equal(w.latest().ready, false);
  t.ok(w.events().some((e) => e.reason === 'BackOff' && e.type === 'Warning'));

  clock.advance(999);
  t.equal(clock.pendingTimers(), 1, 'the restart timer has not fired before the backoff elapsed');
  t.ok(w.latest().containerStatuses[0]!.state.waiting);
  clock.advance(1);
  // The crasher may crash again before a poll sees it running: wait on the counts, not on a state.
  await waitFor('restarted once', () => w.latest().containerStatuses.every((c) => c.restartCount === 1));

  await waitFor('second backoff', () => w.latest().containerStatuses[0]!.state.waiting?.reason === 'CrashLoopBackOff');
  t.match(w.latest().containerStatuses[0]!.state.waiting?.message, /^back-off 2s /, 'the delay doubles');
  clock.advance(2000);
  await waitFor('restarted twice', () => w.latest().containerStatuses.every((c) => c.restartCount === 2));
  await waitFor('each container started three times', () => w.events().filter((e) => e.reason === 'Started').length === 6);

  t.equal(await collect(h.runtime.logs(spec.namespace, spec.name, { container: 'crasher', previous: true })), 'run\n');
});

t.test('Never: a failing container fails the pod and stops the others', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec(
    [
      { name: 'fails', ...sh('sleep 0.05; exit 2') },
      { name: 'other', ...sh('exec sleep 100') },
    ],
    { restartPolicy: 'Never' },
  );
  const w = startWatched(h.runtime, spec);
  await waitFor('Failed with everything stopped', () => w.latest().phase === 'Failed' && w.latest().containerStatuses.every((c) => c.state.terminated));
  const [fails, other] = w.latest().containerStatuses;
  t.equal(fails!.state.terminated?.exitCode, 2);
  t.equal(fails!.state.terminated?.reason, 'Error');
  t.equal(other!.state.terminated?.exitCode, 143);
  t.equal(fails!.restartCount, 0);
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
  await waitFor('backoff after the failure', () => w.latest().containerStatuses[0]!.state.waiting?.reason === 'CrashLoopBackOff');
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

t.test('RestartBackoff doubles to the ceiling and resets after a long enough run', async (t) => {
  const { RestartBackoff } = await import('../../../control/agent/containers/restart-backoff.ts');
  const b = new RestartBackoff({ initialMs: 1000, maxMs: 5000, resetAfterMs: 60_000 });
  const steps: [number, number][] = [
    [0, 1000],
    [10, 2000],
    [59_999, 4000],
    [0, 5000],
    [0, 5000],
    [60_000, 1000],
    [0, 2000],
  ];
  for (const [ranFor, want] of steps) t.equal(b.next(ranFor), want, `ran ${ranFor} ms`);
});

t.test('a pod that ran past the reset window backs off from the initial delay again', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock, restartBackoff: { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 } });
  t.teardown(() => h.close());
  // Exits at once on the first run; later runs exit on SIGUSR2.
  const marker = `${h.runDir}/ran-once`;
  const spec = podSpec([{ name: 'app', ...sh(`test -f "$M" || { touch "$M"; exit 1; }; trap 'exit 1' USR2; echo armed; sleep 100 & wait`, { M: marker }) }]);
  const w = startWatched(h.runtime, spec);
  await waitFor('first backoff', () => w.latest().containerStatuses[0]!.state.waiting?.reason === 'CrashLoopBackOff');
  t.match(w.latest().containerStatuses[0]!.state.waiting?.message, /^back-off 1s /);
  clock.advance(1000);
  await waitFor('armed', async () => (await collect(h.runtime.logs(spec.namespace, spec.name, {}))).includes('armed'));
  clock.advance(60_000);
  process.kill(Number(w.latest().containerStatuses[0]!.containerID!.slice('meshlet://'.length)), 'SIGUSR2');
  await waitFor('second backoff', () => w.latest().containerStatuses[0]!.state.waiting?.reason === 'CrashLoopBackOff');
  t.match(w.latest().containerStatuses[0]!.state.waiting?.message, /^back-off 1s /, 'not 2s: the pod had run for the reset window');
});

t.test('a failing init container is retried alone with backoff under Always', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock });
  t.teardown(() => h.close());
  const marker = `${h.runDir}/init-ran`;
  const spec = podSpec([{ name: 'main', ...sh('exec sleep 100') }], { initContainers: [{ name: 'setup', ...sh('test -f "$M" && exit 0; touch "$M"; exit 5', { M: marker }) }] });
  const w = startWatched(h.runtime, spec);
  await waitFor('init backoff', () => w.latest().initContainerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff');
  t.equal(w.latest().phase, 'Pending');
  t.equal(w.latest().initContainerStatuses?.[0]?.lastState?.terminated?.exitCode, 5);
  t.equal(w.latest().containerStatuses[0]!.state.waiting?.reason, 'PodInitializing');
  clock.advance(1000);
  await waitFor('Running', () => w.latest().phase === 'Running');
  t.equal(w.latest().initContainerStatuses?.[0]?.restartCount, 1);
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
  await waitFor('backoff', () => w.latest().containerStatuses[0]!.state.waiting?.reason === 'CrashLoopBackOff');
  t.equal(clock.pendingTimers(), 1);
  await w.pod.stop();
  t.equal(clock.pendingTimers(), 0, 'the restart timer is cancelled');
  clock.advance(60_000);
  t.equal(w.latest().containerStatuses[0]!.restartCount, 0, 'nothing restarted after stop');
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
