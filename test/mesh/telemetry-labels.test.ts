// Istio's canonical, cluster and gRPC labels on real traffic between two
// sidecars: client app → client sidecar (outbound) → server sidecar (inbound)
// → server app, both reporters, read back from the Prometheus text.

import t from 'tap';
import { MeshMetrics, startSidecar, StaticConfigSource } from '../../mesh/index.ts';
import type { ProxyIdentity, Sidecar } from '../../mesh/index.ts';
import type { Backend } from './fixtures.ts';
import { converged, destroyAgents, pod, service, startBackend, viaProxy } from './fixtures.ts';
import { parseExposition, samplesOf } from '../helpers/prom-text.ts';

const NET = '127.250.41';
const CLIENT = `${NET}.10`;
const SERVER = `${NET}.11`;
// Each label lookup order is exercised: the client has app.kubernetes.io/* over app/version,
// the server an explicit canonical name over app and no version at all (→ "latest").
const CLIENT_LABELS = { app: 'shop', version: 'v1', 'app.kubernetes.io/name': 'shopfront', 'app.kubernetes.io/version': '2.1' };
const SERVER_LABELS = { app: 'grpc-echo', 'service.istio.io/canonical-name': 'echo-canonical' };

const metrics = new MeshMetrics({ clusterId: 'east-1' });
const config = new StaticConfigSource();
const sidecars: Sidecar[] = [];
let app: Backend;

function identity(name: string, ip: string, labels: Record<string, string>): ProxyIdentity {
  return { kind: 'sidecar', name, namespace: 'default', labels, ip };
}

t.before(async () => {
  app = await startBackend('grpc-echo', SERVER, 7070, (req, res) => {
    if (req.url === '/echo.Echo/Fail') {
      // A trailers-only gRPC error: grpc-status travels in the headers.
      res.writeHead(200, { 'content-type': 'application/grpc', 'grpc-status': '14', 'content-length': '0' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
  });
  config.apply(
    pod('shopfront-7d9c-aaaaa', CLIENT, CLIENT_LABELS, { ports: [9080], replicaSet: 'shopfront-7d9c' }),
    pod('grpc-echo-5b6f-bbbbb', SERVER, SERVER_LABELS, { ports: [7070], replicaSet: 'grpc-echo-5b6f' }),
    service('grpc-echo', { app: 'grpc-echo' }, [{ port: 7070, name: 'http' }]),
  );
  sidecars.push(await startSidecar({ identity: identity('shopfront-7d9c-aaaaa', CLIENT, CLIENT_LABELS), podIp: CLIENT, config, metrics }));
  sidecars.push(await startSidecar({ identity: identity('grpc-echo-5b6f-bbbbb', SERVER, SERVER_LABELS), podIp: SERVER, config, metrics }));
  for (const s of sidecars) await converged(s, config);
});

t.teardown(async () => {
  destroyAgents();
  for (const s of sidecars) await s.close();
  await app.close();
});

const proxy = { host: CLIENT, port: 15001 };

t.test('canonical service/revision, cluster and an empty grpc_response_status on plain HTTP', async (t) => {
  const res = await viaProxy(proxy, 'http://grpc-echo:7070/plain', { localAddress: CLIENT });
  t.equal(res.status, 200);
  const text = await metrics.render();
  const e = parseExposition(text);
  for (const reporter of ['source', 'destination']) {
    const [s, ...more] = samplesOf(e, 'istio_requests_total', { reporter, response_code: '200' });
    t.ok(s, `${reporter} reporter counted the request`);
    t.equal(more.length, 0, `one ${reporter} series`);
    t.same(
      {
        source_canonical_service: s?.labels.source_canonical_service,
        source_canonical_revision: s?.labels.source_canonical_revision,
        source_cluster: s?.labels.source_cluster,
        destination_canonical_service: s?.labels.destination_canonical_service,
        destination_canonical_revision: s?.labels.destination_canonical_revision,
        destination_cluster: s?.labels.destination_cluster,
        grpc_response_status: s?.labels.grpc_response_status,
      },
      {
        source_canonical_service: 'shopfront',
        source_canonical_revision: '2.1',
        source_cluster: 'east-1',
        destination_canonical_service: 'echo-canonical',
        destination_canonical_revision: 'latest',
        destination_cluster: 'east-1',
        grpc_response_status: '',
      },
      `${reporter} reporter labels`,
    );
    t.equal(s?.value, 1);
  }
  t.match(text, /istio_requests_total\{reporter="source",source_workload="shopfront-7d9c",/, 'Istio label order: reporter first');
});

t.test('grpc-status of a trailers-only reply becomes grpc_response_status', async (t) => {
  const res = await viaProxy(proxy, 'http://grpc-echo:7070/echo.Echo/Fail', { method: 'POST', body: '', localAddress: CLIENT, headers: { 'content-type': 'application/grpc' } });
  t.equal(res.headers['grpc-status'], '14', 'the app answered with grpc-status 14');
  const e = parseExposition(await metrics.render());
  for (const reporter of ['source', 'destination']) {
    const got = samplesOf(e, 'istio_requests_total', { reporter, grpc_response_status: '14' });
    t.equal(got.length, 1, `${reporter} reporter has a grpc_response_status="14" series`);
    t.equal(got[0]?.value, 1);
  }
});
