import t from 'tap';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { ManualClock } from '../../../control/api/index.ts';
import { builtinImageMapFile, createPodRuntime, loadImageMap } from '../../../control/agent/containers/index.ts';
import { collect, harness, node, podSpec, startWatched, waitFor } from './helpers.ts';

function getJson(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    })
      .on('error', reject)
      .end();
  });
}

t.test('a Bookinfo image without a command runs its mapped program and serves on the pod IP', async (t) => {
  const h = harness({ imageMap: loadImageMap([builtinImageMapFile()]) });
  t.teardown(() => h.close());
  const podIp = '127.253.4.2';
  const spec = podSpec(
    [{ name: 'details', image: 'docker.io/istio/examples-bookinfo-details-v1:1.20.3', env: { POD_IP: podIp }, ports: [{ containerPort: 9080 }] }],
    { podIp },
  );
  const w = startWatched(h.runtime, spec);
  await waitFor('ready', () => w.latest().ready, 15_000);
  const res = await getJson(`http://${podIp}:9080/details/0`);
  t.equal(res.status, 200);
  t.match(res.body, { author: 'William Shakespeare' });
  await waitFor('the program logged', async () => /listening/.test(await collect(h.runtime.logs(spec.namespace, spec.name, {}))));
});

t.test('two pods listen on the same port on their own pod IPs', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const server = `require('http').createServer((q, s) => s.end(process.env.POD_IP)).listen(9080, process.env.POD_IP)`;
  const pods = ['127.253.4.3', '127.253.4.4'].map((podIp) =>
    startWatched(h.runtime, podSpec([{ name: 'web', ...node(server, { POD_IP: podIp }, { ports: [{ containerPort: 9080 }] }) }], { podIp })),
  );
  await waitFor('both ready', () => pods.every((p) => p.latest().ready));
  for (const podIp of ['127.253.4.3', '127.253.4.4']) {
    t.equal(await (await fetch(`http://${podIp}:9080/`)).text(), podIp, `the pod on ${podIp} answers on :9080`);
  }
});

t.test('sinceSeconds skips what was written before the window', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'app', ...node(`console.log('early'); setTimeout(() => console.log('late'), 3000); setInterval(() => {}, 1000)`) }]);
  startWatched(h.runtime, spec);
  await waitFor('late line', async () => (await collect(h.runtime.logs(spec.namespace, spec.name, {}))).includes('late'), 10_000);
  t.equal(await collect(h.runtime.logs(spec.namespace, spec.name, { sinceSeconds: 1 })), 'late\n');
  t.equal(await collect(h.runtime.logs(spec.namespace, spec.name, { sinceSeconds: 60 })), 'early\nlate\n');
});

t.test('follow continues across a restart; previous and current instances are kept apart', async (t) => {
  const clock = new ManualClock(0);
  const h = harness({ clock });
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'app', ...node(`console.log('start ' + process.pid); setTimeout(() => process.exit(1), 100)`) }]);
  const w = startWatched(h.runtime, spec);
  let seen = '';
  const abort = new AbortController();
  await waitFor('first instance logged', async () => (await collect(h.runtime.logs(spec.namespace, spec.name, {}))).includes('start'));
  const following = (async () => {
    for await (const chunk of h.runtime.logs(spec.namespace, spec.name, { follow: true, signal: abort.signal })) seen += chunk;
  })();
  await waitFor('first crash', () => w.latest().containerStatuses[0]!.state.terminated);
  clock.advance(1000);
  await waitFor('second instance in the followed stream', () => seen.split('\n').filter((l) => l.startsWith('start ')).length === 2);
  abort.abort();
  await following;
  await waitFor('second backoff', () => w.latest().containerStatuses[0]!.restartCount === 1 && w.latest().containerStatuses[0]!.state.waiting);
  const previous = await collect(h.runtime.logs(spec.namespace, spec.name, { previous: true }));
  const current = await collect(h.runtime.logs(spec.namespace, spec.name, {}));
  t.match(previous, /^start \d+\n$/);
  t.match(current, /^start \d+\n$/);
  t.not(previous, current);
});

t.test('logs of a pod from an earlier runtime are read from disk', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const spec = podSpec([{ name: 'app', ...node(`console.log('kept on disk')`) }], { restartPolicy: 'Never' });
  const w = startWatched(h.runtime, spec);
  await waitFor('Succeeded', () => w.latest().phase === 'Succeeded');
  await h.runtime.close();
  const later = createPodRuntime({ runDir: h.runDir, imageMap: loadImageMap([]) });
  t.teardown(() => later.close());
  t.equal(await collect(later.logs(spec.namespace, spec.name, {})), 'kept on disk\n');
  t.equal(await collect(later.stream(spec.namespace, spec.name, { container: 'app', tailLines: 1 })), 'kept on disk\n');
});

t.test('a mapped TypeScript program runs through the tsx loader', async (t) => {
  const h = harness();
  t.teardown(() => h.close());
  const program = join(h.runDir, 'hello.ts');
  writeFileSync(program, `const greeting: string = process.argv[2] ?? 'none';\nconsole.log(\`typed \${greeting}\`);\n`);
  const { imageMapFromEntries } = await import('../../../control/agent/containers/index.ts');
  const local = harness({ imageMap: imageMapFromEntries({ 'example/typed': { program, args: ['hi'] } }) });
  t.teardown(() => local.close());
  const spec = podSpec([{ name: 'ts', image: 'example/typed:latest', env: {} }], { restartPolicy: 'Never' });
  const w = startWatched(local.runtime, spec);
  await waitFor('Succeeded', () => w.latest().phase === 'Succeeded', 15_000);
  t.equal(await collect(local.runtime.logs(spec.namespace, spec.name, {})), 'typed hi\n');
});
