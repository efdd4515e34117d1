import t from 'tap';
import { startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import { destroyAgents, pod, service, startBackend, viaProxy } from './fixtures.ts';

const NET = '127.250.1';

t.test('a request goes client sidecar → server sidecar → app', async (t) => {
  const app = await startBackend('reviews-v1', `${NET}.11`, 9080);
  const config = new StaticConfigSource({
    pods: [pod('client', `${NET}.10`, { app: 'client' }), pod('reviews-v1-abc12-xyz12', `${NET}.11`, { app: 'reviews', version: 'v1' }, { ports: [9080] })],
    services: [service('reviews', { app: 'reviews' }, [{ port: 9080 }])],
  });
  const logs: string[] = [];
  const client = await startSidecar({ identity: { kind: 'sidecar', name: 'client', namespace: 'default', labels: { app: 'client' } }, podIp: `${NET}.10`, config, accessLog: (l) => logs.push(l) });
  const server = await startSidecar({ identity: { kind: 'sidecar', name: 'reviews-v1-abc12-xyz12', namespace: 'default', labels: { app: 'reviews', version: 'v1' } }, podIp: `${NET}.11`, config });
  t.teardown(async () => {
    destroyAgents();
    await client.close();
    await server.close();
    await app.close();
  });
  const res = await viaProxy({ host: `${NET}.10`, port: 15001 }, 'http://reviews:9080/reviews/0');
  t.equal(res.status, 200, res.body);
  t.same(JSON.parse(res.body), { name: 'reviews-v1', path: '/reviews/0' });
  t.equal(app.requests[0]!.remote, `${NET}.11`, 'the app is reached by its own sidecar');
  t.ok(app.requests[0]!.headers['x-request-id'], 'x-request-id made at the edge');
  const nr = await viaProxy({ host: `${NET}.10`, port: 15001 }, 'http://reviews:9999/');
  t.equal(nr.status, 404);
  t.match(logs.join('\n'), / 404 NR /);
});
