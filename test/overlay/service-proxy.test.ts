import net from 'node:net';
import t from 'tap';
import { ManualClock } from '../../control/api/index.ts';
import { MutableCatalog, startServiceProxy } from '../../overlay/index.ts';
import { BackendPicker } from '../../overlay/serviceproxy/index.ts';
import { endpoints, service } from './helpers/fixtures.ts';

/** TCP servers on several pod IPs sharing one port; each answers with its IP and closes. */
async function startBackends(ips: string[]): Promise<{ port: number; close(): Promise<void> }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const servers: net.Server[] = [];
    let port = 0;
    try {
      for (const ip of ips) {
        const server = net.createServer((socket) => socket.end(`${ip}\n`));
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: ip, port }, resolve);
        });
        port = (server.address() as net.AddressInfo).port;
        servers.push(server);
      }
      return { port, close: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined) };
    } catch {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
  }
  throw new Error('could not bind backends on one shared port');
}

async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Connects, reads everything; resolves with the text or 'refused'/'closed-empty'. */
function ask(host: string, port: number, localAddress = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, localAddress });
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : `error:${err.code}`));
    socket.on('close', () => resolve(text.trim() || 'closed-empty'));
  });
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, deadlineMs: number): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() - started > deadlineMs) return { value, ms: Date.now() - started };
    await new Promise((r) => setTimeout(r, 5));
  }
}

t.test('BackendPicker: round robin, and ClientIP affinity that expires (ManualClock)', (t) => {
  const clock = new ManualClock(0);
  const picker = new BackendPicker(clock);
  const backends = [{ ip: 'a', port: 1 }, { ip: 'b', port: 1 }, { ip: 'c', port: 1 }];
  t.same([0, 1, 2, 3].map(() => picker.pick(backends, 'x', undefined)?.ip), ['a', 'b', 'c', 'a'], 'round robin without affinity');
  const sticky = new BackendPicker(clock);
  const first = sticky.pick(backends, '10.0.0.1', 60)!.ip;
  clock.advance(59_000);
  t.equal(sticky.pick(backends, '10.0.0.1', 60)!.ip, first, 'same endpoint within the timeout');
  clock.advance(59_000);
  t.equal(sticky.pick(backends, '10.0.0.1', 60)!.ip, first, 'each use refreshes the timeout');
  clock.advance(60_001);
  t.not(sticky.pick(backends, '10.0.0.1', 60)!.ip, first, 'after the timeout, round robin again');
  t.equal(sticky.pick([], '10.0.0.1', 60), undefined, 'no backends: undefined');
  t.end();
});

t.test('round robin, endpoint changes, ClientIP affinity, NodePort, service removal', async (t) => {
  const ips = ['127.201.9.2', '127.201.9.3', '127.201.9.4'];
  const backends = await startBackends(ips);
  t.teardown(() => backends.close());
  const vip = '127.202.9.1';
  const vipPort = await freePort(vip);
  const nodePort = await freePort('127.0.0.1');
  const catalog = new MutableCatalog();
  catalog.upsert(service('web', { type: 'NodePort', clusterIP: vip, ports: [{ name: 'http', port: vipPort, targetPort: backends.port, nodePort }] }));
  catalog.upsert(endpoints('web', { ready: ips, ports: [{ name: 'http', port: backends.port }] }));
  const proxy = await startServiceProxy({ catalog });
  t.teardown(() => proxy.close());
  t.same(proxy.listeners().sort(), [`${vip}:${vipPort}`, `127.0.0.1:${nodePort}`].sort());

  const answers: string[] = [];
  for (let i = 0; i < 6; i++) answers.push(await ask(vip, vipPort));
  t.same(answers.slice().sort(), [...ips, ...ips].sort(), 'six connections, two per ready endpoint');
  t.not(answers[0], answers[1], 'consecutive connections go to different endpoints');

  t.ok(ips.includes(await ask('127.0.0.1', nodePort)), 'NodePort on 127.0.0.1 reaches an endpoint');

  // Endpoint becomes unready: the very next connections avoid it.
  const changedAt = Date.now();
  catalog.upsert(endpoints('web', { ready: [ips[0]!, ips[1]!], notReady: [ips[2]!], ports: [{ name: 'http', port: backends.port }] }));
  const after: string[] = [];
  for (let i = 0; i < 6; i++) after.push(await ask(vip, vipPort));
  t.notOk(after.includes(ips[2]!), 'the unready endpoint gets no new connections, from the first one after the change on');
  t.ok(Date.now() - changedAt < 2000, 'six connections done promptly after the change');

  // Session affinity: all connections from one client IP stick to one endpoint.
  catalog.upsert(service('web', { type: 'NodePort', clusterIP: vip, sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: vipPort, nodePort }] }));
  const stickyA = new Set<string>();
  const stickyB = new Set<string>();
  for (let i = 0; i < 6; i++) {
    stickyA.add(await ask(vip, vipPort, '127.0.0.1'));
    stickyB.add(await ask(vip, vipPort, '127.0.0.2'));
  }
  t.equal(stickyA.size, 1, 'client 127.0.0.1 always reaches the same endpoint');
  t.equal(stickyB.size, 1, 'client 127.0.0.2 always reaches the same endpoint');

  // Affinity does not outlive the endpoint's readiness.
  const pinned = [...stickyA][0]!;
  catalog.upsert(endpoints('web', { ready: ips.filter((ip) => ip !== pinned), ports: [{ name: 'http', port: backends.port }] }));
  t.not(await ask(vip, vipPort, '127.0.0.1'), pinned, 'an unready pinned endpoint is replaced');

  // No ready endpoints: the connection is closed without data.
  catalog.upsert(endpoints('web', { notReady: ips, ports: [{ name: 'http', port: backends.port }] }));
  t.equal(await ask(vip, vipPort), 'closed-empty', 'no ready endpoint: connection closed');

  // Service deleted: listeners close.
  catalog.remove('Service', 'default', 'web');
  const gone = await until(() => ask(vip, vipPort), (v) => v === 'refused', 2000);
  t.equal(gone.value, 'refused', 'ClusterIP listener closed');
  t.ok(gone.ms < 1000, `closed promptly (${gone.ms} ms)`);
  t.equal(await ask('127.0.0.1', nodePort), 'refused', 'NodePort listener closed');
  t.same(proxy.listeners(), []);
});

t.test('a dead endpoint is skipped for the next ready one; listen errors are reported', async (t) => {
  const live = await startBackends(['127.201.9.12']);
  t.teardown(() => live.close());
  const vip = '127.202.9.2';
  const vipPort = await freePort(vip);
  const catalog = new MutableCatalog();
  catalog.upsert(service('api', { clusterIP: vip, ports: [{ port: vipPort }] }));
  // 127.201.9.11 has nothing listening on the port: connection refused, then retried elsewhere.
  catalog.upsert(endpoints('api', { ready: ['127.201.9.11', '127.201.9.12'], ports: [{ port: live.port }] }));
  const errors: string[] = [];
  const blocker = net.createServer();
  const blockedPort = await freePort('127.202.9.3');
  await new Promise<void>((resolve) => blocker.listen({ host: '127.202.9.3', port: blockedPort }, resolve));
  t.teardown(() => new Promise<void>((r) => blocker.close(() => r())));
  catalog.upsert(service('taken', { clusterIP: '127.202.9.3', ports: [{ port: blockedPort }] }));
  const proxy = await startServiceProxy({ catalog, onError: (err) => errors.push(err.message) });
  t.teardown(() => proxy.close());
  for (let i = 0; i < 4; i++) t.equal(await ask(vip, vipPort), '127.201.9.12', `connection ${i} reaches the live endpoint`);
  t.match(errors.join('\n'), /overlay\/serviceproxy: cannot listen on 127\.202\.9\.3:\d+ for service default\/taken: .*EADDRINUSE/);
  for (let i = 0; i < 5; i++) catalog.upsert(service(`noise-${i}`, { clusterIP: 'None' }));
  await new Promise<void>((resolve) => setImmediate(resolve));
  t.equal(errors.length, 1, 'catalog churn does not retry (and re-report) the failed bind at once');
});
