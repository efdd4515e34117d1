import t from 'tap';
import { PodLogError } from '../../../control/agent/containers/index.ts';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, harness, node, podSpec, sh, startWatched, waitFor } from './helpers.ts';

t.test('a container runs as a process with its env, and its output is in the logs', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([
    { name: 'app', ...node('console.log("hello from", process.env.GREETING); console.error("to stderr"); setInterval(() => {}, 1000)', { GREETING: 'meshlet' }) },
  ]);
  const w = startWatched(h.runtime, spec);
  await waitFor('running and ready', () => w.latest().phase === 'Running' && w.latest().ready);
  const text = await waitFor('both lines logged', async () => {
    const out = await collect(h.runtime.logs(spec.namespace, spec.name, {}));
    return out.includes('to stderr') ? out : '';
  });
  t.match(text, /hello from meshlet\n/);
  t.match(text, /to stderr\n/);
  const status = w.latest().containerStatuses[0]!;
  t.match(status.containerID, /^meshlet:\/\/\d+$/);
  t.ok(status.state.running?.startedAt);
  t.same(
    w.events().map((e) => e.reason),
    ['Pulled', 'Created', 'Started'],
  );
  await w.pod.stop();
  t.ok(w.statuses.at(-1)?.containerStatuses[0]?.state.terminated, 'final callback reports the container terminated');
});

t.test('tailLines returns the last lines; follow streams new lines and ends when the pod stops', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([
    { name: 'app', ...node('for (let i = 1; i <= 5; i++) console.log("line " + i); process.stdin.resume(); process.on("SIGUSR2", () => console.log("more")); setInterval(() => {}, 1000)') },
  ]);
  const w = startWatched(h.runtime, spec);
  await waitFor('five lines', async () => (await collect(h.runtime.logs(spec.namespace, spec.name, {}))).includes('line 5\n'));
  t.equal(await collect(h.runtime.logs(spec.namespace, spec.name, { tailLines: 2 })), 'line 4\nline 5\n');
  t.equal(await collect(h.runtime.logs(spec.namespace, spec.name, { tailLines: 0 })), '');

  const chunks: string[] = [];
  const following = (async () => {
    for await (const chunk of h.runtime.logs(spec.namespace, spec.name, { follow: true, tailLines: 1 })) chunks.push(chunk);
  })();
  await waitFor('follow saw the tail', () => chunks.join('').includes('line 5\n'));
  const pid = Number(w.latest().containerStatuses[0]!.containerID!.replace('meshlet://', ''));
  process.kill(pid, 'SIGUSR2');
  await waitFor('follow saw the new line', () => chunks.join('').includes('more\n'));
  t.notMatch(chunks.join(''), /line 4/, 'tailLines applies to follow');
  await w.pod.stop();
  await following;
  t.match(chunks.join(''), /line 5\n(.*\n)*more\n/, 'follow ended once the pod stopped, having seen the tail and the new line in order');
});

t.test('follow ends when the signal aborts', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'app', ...node('console.log("x"); setInterval(() => {}, 1000)') }]);
  startWatched(h.runtime, spec);
  const abort = new AbortController();
  let seen = '';
  const following = (async () => {
    for await (const chunk of h.runtime.logs(spec.namespace, spec.name, { follow: true, signal: abort.signal })) seen += chunk;
  })();
  await waitFor('first line', () => seen.includes('x\n'));
  abort.abort();
  await following;
  t.equal(seen, 'x\n');
});

t.test('log errors match kubelet/kubectl wording', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([
    { name: 'a', ...node('setInterval(() => {}, 1000)') },
    { name: 'b', ...node('setInterval(() => {}, 1000)') },
  ]);
  startWatched(h.runtime, spec);
  await t.rejects(collect(h.runtime.logs(spec.namespace, spec.name, {})), {
    message: `a container name must be specified for pod ${spec.name}, choose one of: [a b]`,
    logCode: 'MESHLET_LOGS_CONTAINER_NAME_REQUIRED',
    reason: 'BadRequest',
  });
  await t.rejects(collect(h.runtime.logs(spec.namespace, spec.name, { container: 'c' })), {
    message: `container c is not valid for pod ${spec.name}`,
    logCode: 'MESHLET_LOGS_CONTAINER_NOT_FOUND',
  });
  await t.rejects(collect(h.runtime.logs(spec.namespace, spec.name, { container: 'a', previous: true })), {
    message: `previous terminated container "a" in pod "${spec.name}" not found`,
  });
  await t.rejects(collect(h.runtime.logs(spec.namespace, 'nope', {})), PodLogError);
});

t.test('a log file past logMaxBytes is rotated; readers and followers carry on', async (t) => {
  const h = harness({ logMaxBytes: 2000 });
  t.teardown(() => h.close());
  // ~4 KB in 80 lines, then a marker once the test has seen the rotation.
  const spec = podSpec([
    {
      name: 'chatty',
      ...sh('i=0; while [ $i -lt 80 ]; do echo "line $i ......................................"; i=$((i+1)); done; while [ ! -f "$GO" ]; do sleep 0.02; done; echo done', {
        GO: join(h.runDir, 'go'),
      }),
    },
  ]);
  const w = startWatched(h.runtime, spec);
  let followed = '';
  const abort = new AbortController();
  const following = (async () => {
    for await (const chunk of h.runtime.logs(spec.namespace, spec.name, { follow: true, signal: abort.signal })) followed += chunk;
  })();
  const logFile = join(h.runDir, 'logs', `${spec.namespace}_${spec.name}_${spec.uid}`, 'chatty.log');
  await waitFor('rotated', () => existsSync(`${logFile}.1`), 5000);
  t.ok(statSync(logFile).size < 2000, 'the live file was truncated');
  writeFileSync(join(h.runDir, 'go'), '');
  await waitFor('done followed', () => followed.includes('done\n'));
  t.match(followed, /^line 0 /, 'the follower saw the start before the rotation');
  const current = await collect(h.runtime.logs(spec.namespace, spec.name, {}));
  t.match(current, /done\n$/);
  t.ok(current.length < 4000, 'reads cover the live file only');
  abort.abort();
  await following;
  await w.pod.stop();
});

t.test('stop with removeLogs deletes the pod log directory and forgets the pod', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'app', ...sh('echo bye; exec sleep 100') }]);
  const w = startWatched(h.runtime, spec);
  await waitFor('logged', async () => (await collect(h.runtime.logs(spec.namespace, spec.name, {}))) === 'bye\n');
  const dir = join(h.runDir, 'logs', `${spec.namespace}_${spec.name}_${spec.uid}`);
  t.ok(existsSync(dir));
  await w.pod.stop({ removeLogs: true });
  t.notOk(existsSync(dir));
  t.equal(h.runtime.get(spec.namespace, spec.name), undefined);
  await t.rejects(collect(h.runtime.logs(spec.namespace, spec.name, {})), {
    message: `agent/containers: no logs for pod ${spec.namespace}/${spec.name} on this node`,
    logCode: 'MESHLET_LOGS_POD_NOT_FOUND',
    reason: 'NotFound',
  });
});

t.test('following a silent container yields an empty first chunk at once', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'quiet', ...sh('exec sleep 100') }]);
  startWatched(h.runtime, spec);
  await waitFor('running', () => h.runtime.get(spec.namespace, spec.name)?.status().containerStatuses[0]?.state.running);
  const abort = new AbortController();
  const iterator = h.runtime.logs(spec.namespace, spec.name, { follow: true, signal: abort.signal })[Symbol.asyncIterator]();
  const first = await iterator.next();
  t.same(first, { done: false, value: '' });
  abort.abort();
  t.same(await iterator.next(), { done: true, value: undefined });
});
