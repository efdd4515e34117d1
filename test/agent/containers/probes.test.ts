import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runProbeOnce } from '../../../control/agent/containers/probes.ts';
import type { ProbeTarget } from '../../../control/agent/containers/probes.ts';

const host = '127.253.5.2';
const target = (namedPorts: Record<string, number> = {}): ProbeTarget => ({ podIp: host, namedPorts, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', WORD: 'env-ok' }, cwd: '/' });

t.test('exec probes: exit status decides, output is the failure message, timeouts kill the command', async (t) => {
  const cases: { command: string[]; ok: boolean; message: RegExp }[] = [
    { command: ['/bin/sh', '-c', 'test "$WORD" = env-ok'], ok: true, message: /^$/ },
    { command: ['/bin/sh', '-c', 'echo not ready yet; exit 1'], ok: false, message: /^not ready yet$/ },
    { command: ['/bin/sh', '-c', 'exit 3'], ok: false, message: /exited with 3/ },
    { command: ['/bin/sh', '-c', 'sleep 30'], ok: false, message: /timed out/ },
    { command: ['meshlet-no-such-probe'], ok: false, message: /not found/ },
  ];
  for (const c of cases) {
    const started = Date.now();
    const result = await runProbeOnce({ exec: { command: c.command } }, target(), 300);
    t.equal(result.ok, c.ok, c.command.join(' '));
    t.match(result.message, c.message, c.command.join(' '));
    t.ok(Date.now() - started < 3000, 'bounded by the timeout');
  }
});

t.test('httpGet probes: 2xx and 3xx succeed, others fail with the status; named ports resolve', async (t) => {
  const server = createServer((req, res) => {
    res.statusCode = Number(req.url?.slice(1)) || 200;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const cases: [string, boolean, string][] = [
    ['/200', true, ''],
    ['/204', true, ''],
    ['/302', true, ''],
    ['/404', false, 'HTTP probe failed with statuscode: 404'],
    ['/503', false, 'HTTP probe failed with statuscode: 503'],
  ];
  for (const [path, ok, message] of cases) {
    t.same(await runProbeOnce({ httpGet: { path, port: 'web' } }, target({ web: port }), 1000), { ok, message }, path);
  }
  t.same(await runProbeOnce({ httpGet: { port: 'nope' } }, target(), 1000), { ok: false, message: 'port "nope" is not a container port name' });
});

t.test('tcpSocket probes report a refused connection as kubelet does', async (t) => {
  t.same(await runProbeOnce({ tcpSocket: { port: 9 } }, target(), 1000), { ok: false, message: `dial tcp ${host}:9: connect: connection refused` });
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, host, r));
  t.teardown(() => server.close());
  t.same(await runProbeOnce({ tcpSocket: { port: String((server.address() as AddressInfo).port) } }, target(), 1000), { ok: true, message: '' });
});
