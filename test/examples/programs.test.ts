// httpbin, helloworld, tcp-echo and redis stand-ins as real processes on 127.252.2.0/24,
// checked against the responses of the images they replace.
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import t from 'tap';
import { waitFor } from '../helpers/wait.ts';
import { REPO_ROOT, startProgram, type RunningProgram } from './program-process.ts';

const NET = '127.252.2';
const programs: RunningProgram[] = [];
t.teardown(() => Promise.all(programs.map((p) => p.stop())));

async function program(options: Parameters<typeof startProgram>[0]): Promise<RunningProgram> {
  const running = await startProgram(options);
  programs.push(running);
  return running;
}

await Promise.all([
  program({ program: 'examples/httpbin/server.mjs', podIp: `${NET}.2`, env: { PORT: '8080', HTTPBIN_FLAVOR: 'go' } }),
  program({ program: 'examples/httpbin/server.mjs', podIp: `${NET}.3`, env: { PORT: '8000', HTTPBIN_FLAVOR: 'python' } }),
  program({ program: 'examples/helloworld/server.mjs', podIp: `${NET}.4`, env: { SERVICE_VERSION: 'v2', POD_NAME: 'helloworld-v2-6746879bdd-wq8mz' } }),
  program({ program: 'examples/tcp-echo/server.mjs', podIp: `${NET}.5`, args: ['9000,9001', 'one'], listeners: 2 }),
]);

const httpbin = `http://${NET}.2:8080`;

void t.test('go-httpbin /get reports args and headers as lists', async (t) => {
  const res = await fetch(`${httpbin}/get?show_env=1&a=1&a=2`, { headers: { 'x-request-id': 'abc', 'user-agent': 'tester' } });
  t.equal(res.status, 200);
  const body = (await res.json()) as Record<string, unknown>;
  t.same(body.args, { show_env: ['1'], a: ['1', '2'] });
  t.match(body.headers, { 'X-Request-Id': ['abc'], 'User-Agent': ['tester'], Host: [`${NET}.2:8080`] });
  t.equal(body.method, 'GET');
  t.equal(body.origin, '127.0.0.1');
  t.equal(body.url, `http://${NET}.2:8080/get?show_env=1&a=1&a=2`);
  t.equal((await fetch(`${httpbin}/get`, { method: 'POST' })).status, 405);
});

void t.test('python-flavoured httpbin reports single values as strings', async (t) => {
  const body = (await (await fetch(`http://${NET}.3:8000/headers`, { headers: { 'x-b3-traceid': '0af7651916cd43dd' } })).json()) as { headers: Record<string, unknown> };
  t.equal(body.headers['X-B3-Traceid'], '0af7651916cd43dd');
});

void t.test('httpbin status codes, including weighted choices', async (t) => {
  const table: [string, number][] = [['/status/200', 200], ['/status/503', 503], ['/status/418', 418], ['/status/201:1,500:0', 201], ['/status/abc', 404], ['/status/700', 400]];
  for (const [path, status] of table) t.equal((await fetch(`${httpbin}${path}`, { redirect: 'manual' })).status, status, path);
  const redirect = await fetch(`${httpbin}/status/302`, { redirect: 'manual' });
  t.equal(redirect.headers.get('location'), '/redirect/1');
});

void t.test('httpbin /delay waits the given seconds and refuses more than 10', async (t) => {
  const started = Date.now();
  const res = await fetch(`${httpbin}/delay/1`);
  const elapsed = Date.now() - started;
  t.equal(res.status, 200);
  t.ok(elapsed >= 950 && elapsed < 4000, `took ${elapsed} ms`);
  t.equal((await fetch(`${httpbin}/delay/11`)).status, 400);
});

void t.test('httpbin /anything echoes method, body and parsed JSON', async (t) => {
  const res = await fetch(`${httpbin}/anything/deep/path?x=1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"k":[1,2]}' });
  const body = (await res.json()) as Record<string, unknown>;
  t.match(body, { method: 'PUT', data: '{"k":[1,2]}', json: { k: [1, 2] }, args: { x: ['1'] } });
  t.match(body.url, /\/anything\/deep\/path\?x=1$/);
  const form = (await (await fetch(`${httpbin}/post`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' })).json()) as Record<string, unknown>;
  t.same(form.form, { a: ['b'] });
});

void t.test('httpbin /uuid, /ip, /user-agent, /response-headers', async (t) => {
  const { uuid } = (await (await fetch(`${httpbin}/uuid`)).json()) as { uuid: string };
  t.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.same(await (await fetch(`${httpbin}/ip`, { headers: { 'x-forwarded-for': '10.1.2.3, 127.0.0.1' } })).json(), { origin: '10.1.2.3' });
  t.same(await (await fetch(`${httpbin}/user-agent`, { headers: { 'user-agent': 'ua/1' } })).json(), { 'user-agent': 'ua/1' });
  const res = await fetch(`${httpbin}/response-headers?x-test=yes&x-test=again`);
  t.equal(res.headers.get('x-test'), 'yes, again');
  t.match(await res.json(), { 'x-test': ['yes', 'again'] });
});

void t.test('helloworld names its version and pod on /hello', async (t) => {
  const res = await fetch(`http://${NET}.4:5000/hello`);
  t.equal(res.status, 200);
  t.equal(await res.text(), 'Hello version: v2, instance: helloworld-v2-6746879bdd-wq8mz\n');
  t.equal((await fetch(`http://${NET}.4:5000/health`)).status, 200);
  t.equal((await fetch(`http://${NET}.4:5000/nope`)).status, 404);
});

function echoOnce(port: number, lines: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, `${NET}.5`);
    let received = '';
    const expected = lines.split('\n').length - 1;
    socket.setEncoding('utf8');
    socket.setTimeout(5000, () => socket.destroy(new Error('tcp-echo timed out')));
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.split('\n').length - 1 >= expected) socket.end();
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.write(lines);
  });
}

void t.test('tcp-echo prefixes every line on every port from its args', async (t) => {
  t.equal(await echoOnce(9000, 'hello\n'), 'one hello\n');
  t.equal(await echoOnce(9001, 'first\nsecond\n'), 'one first\none second\n');
});

void t.test('tcp-echo rejects a bad port list', async (t) => {
  await t.rejects(
    startProgram({ program: 'examples/tcp-echo/server.mjs', podIp: `${NET}.6`, args: ['90x0', 'two'] }),
    /exited with 2/,
  );
});

void t.test('redis stand-in runs redis-server on the pod IP', async (t) => {
  try {
    execFileSync('redis-server', ['--version']);
  } catch {
    t.fail('redis-server is missing: apt-get install -y --no-install-recommends redis-server');
    return;
  }
  const redis = await startProgramUntilPort(`${NET}.7`, 6379);
  programs.push(redis);
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(6379, `${NET}.7`, () => socket.write('PING\r\n'));
    socket.setEncoding('utf8');
    socket.once('data', (data: string) => { socket.end(); resolve(data); });
    socket.on('error', reject);
  });
  t.equal(reply, '+PONG\r\n');
});

/** redis-server logs "Ready to accept connections" rather than our "listening on" line, so wait for the port. */
async function startProgramUntilPort(ip: string, port: number): Promise<RunningProgram> {
  const child = spawn(process.execPath, ['examples/redis/server.mjs'], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', POD_IP: ip }, stdio: 'ignore' });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(`redis stand-in listening on ${ip}:${port}`, () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
      return new Promise<boolean>((resolve) => {
        const s = net.connect(port, ip, () => { s.destroy(); resolve(true); });
        s.on('error', () => resolve(false));
      });
    }, { timeoutMs: 10_000, intervalMs: 50 });
  } catch (err) {
    await stop();
    throw err;
  }
  return { output: () => '', stop };
}

function runEntrypoint(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['examples/exec/entrypoint.mjs', ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
  return { done, stdout: () => stdout, kill: (signal: NodeJS.Signals) => child.kill(signal) };
}

void t.test('the exec entrypoint runs the image args like curl and shell images do', async (t) => {
  const table: { args: string[]; env?: Record<string, string>; code: number; stdout: string | RegExp; why: string }[] = [
    { args: ['-s', `http://${NET}.4:5000/hello`], env: { ENTRYPOINT_PREPEND: 'curl' }, code: 0, stdout: /^Hello version: v2/, why: 'curl options get `curl` in front' },
    { args: ['curl', '-s', `http://${NET}.4:5000/hello`], env: { ENTRYPOINT_PREPEND: 'curl' }, code: 0, stdout: /^Hello version: v2/, why: 'an explicit curl runs as given' },
    { args: ['sh', '-c', 'echo hi; exit 3'], code: 3, stdout: 'hi\n', why: 'exit codes pass through' },
    { args: [], code: 2, stdout: '', why: 'nothing to run' },
    { args: ['no-such-program-here'], code: 127, stdout: '', why: 'a missing program is 127, as in a shell' },
  ];
  for (const row of table) {
    const { code, stdout } = await runEntrypoint(row.args, row.env).done;
    t.equal(code, row.code, `${row.why}: exit code`);
    t.match(stdout, row.stdout, `${row.why}: output`);
  }
});

void t.test('the exec entrypoint forwards SIGTERM to its program', async (t) => {
  const run = runEntrypoint(['sh', '-c', 'trap "echo stopping; exit 0" TERM; echo ready; while :; do sleep 0.05; done']);
  await waitFor('the shell to install its TERM trap', () => run.stdout().includes('ready'), { timeoutMs: 5000 });
  run.kill('SIGTERM');
  const result = await run.done;
  t.equal(result.code, 0);
  t.equal(result.stdout, 'ready\nstopping\n');
});
