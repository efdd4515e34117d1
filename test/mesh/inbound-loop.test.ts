// A sidecar never forwards to its own listeners. Before this guard, a request
// sent straight to podIP:15006 without the original-port header was passed
// through to podIP:15006 again, recursively: thousands of sockets per request.

import t from 'tap';
import { readdirSync } from 'node:fs';
import { startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import { destroyAgents, pod, send, service, startBackend, viaProxy } from './fixtures.ts';

const NET = '127.250.37';
const POD = `${NET}.11`;

/** Open file descriptors of this process (sockets included). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

t.test('requests aimed at a sidecar\'s own listeners get a 502 instead of looping', async (t) => {
  const app = await startBackend('reviews-v1', POD, 9080);
  const config = new StaticConfigSource({
    pods: [pod('reviews-v1-abc12-xyz12', POD, { app: 'reviews', version: 'v1' }, { ports: [9080] })],
    services: [service('reviews', { app: 'reviews' }, [{ port: 9080 }])],
  });
  const logs: string[] = [];
  const sidecar = await startSidecar({
    identity: { kind: 'sidecar', name: 'reviews-v1-abc12-xyz12', namespace: 'default', labels: { app: 'reviews', version: 'v1' } },
    podIp: POD,
    config,
    accessLog: (l) => logs.push(l),
  });
  t.teardown(async () => {
    destroyAgents();
    await sidecar.close();
    await app.close();
  });

  const before = openFds();
  for (let i = 0; i < 3; i++) {
    const res = await send({ host: POD, port: sidecar.inboundPort, path: `/direct/${i}` });
    t.equal(res.status, 502, `request ${i}: refused, not looped`);
    t.match(res.body, /refusing to forward to 127\.250\.37\.11:15006, this proxy's own listener/);
    t.match(res.body, /x-meshlet-original-port/, 'the answer says what was missing');
  }
  // Three keep-alive client sockets and their server ends, give or take the runtime's own.
  t.ok(openFds() - before <= 12, `bounded sockets: ${openFds() - before} new fds for three requests`);
  t.equal(app.requests.length, 0, 'nothing reached the app');
  t.equal(logs.filter((l) => / 502 NR /.test(l)).length, 3, 'each refusal is logged with flag NR');

  const named = await send({ host: POD, port: sidecar.inboundPort, path: '/named', headers: { 'x-meshlet-original-port': String(sidecar.inboundPort) } });
  t.equal(named.status, 502, 'an original-port header naming the inbound port itself is refused too');

  const viaHost = await send({ host: POD, port: sidecar.inboundPort, path: '/by-host', headers: { host: `${POD}:9080` } });
  t.equal(viaHost.status, 200, 'without the header, a Host naming the workload port still reaches the app');
  t.equal(app.requests.length, 1);

  const outbound = await viaProxy({ host: POD, port: sidecar.outboundPort }, `http://${POD}:${sidecar.outboundPort}/self`);
  t.equal(outbound.status, 502, 'the outbound listener does not pass through to itself either');
  t.match(outbound.body, /does not proxy to itself/);

  const own = await viaProxy({ host: POD, port: sidecar.outboundPort }, 'http://reviews:9080/own-service', { localAddress: POD });
  t.equal(own.status, 200, 'a pod calling its own service still goes through its own inbound listener');
});
