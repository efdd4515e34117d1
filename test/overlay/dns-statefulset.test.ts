// Per-pod DNS for StatefulSet pods, end to end through the pieces that make
// it: the Endpoints controller's subsets for pods whose hostname/subdomain
// name a headless Service (Kubernetes' rule), and the cluster zone built from
// them — `web-N.nginx.default.svc.cluster.local` per ready pod, the headless
// name for all of them, SRV per named port pointing at the pod names, PTR back.

import t from 'tap';
import type { Endpoints, Pod } from '../../control/api/index.ts';
import { buildSubsets } from '../../control/controllers/index.ts';
import { MutableCatalog } from '../../overlay/index.ts';
import { RR_TYPE, buildClusterZone } from '../../overlay/dns/index.ts';
import type { DnsRecord } from '../../overlay/dns/index.ts';
import { service } from './helpers/fixtures.ts';

function statefulPod(name: string, ip: string, ready: boolean, subdomain = 'nginx', namespace = 'default'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: `uid-${name}-${namespace}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'nginx' } },
    spec: { containers: [{ name: 'nginx', ports: [{ name: 'web', containerPort: 80 }] }], hostname: name, subdomain },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function zoneFor(publishNotReadyAddresses: boolean) {
  const nginx = service('nginx', { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80, targetPort: 80 }], publishNotReadyAddresses });
  const pods = [
    statefulPod('web-0', '127.244.1.2', true),
    statefulPod('web-1', '127.244.1.3', true),
    statefulPod('web-2', '127.244.1.4', false),
    // Same labels, but its subdomain names another Service: it backs nginx without a name under it.
    statefulPod('db-0', '127.244.1.5', true, 'db'),
  ];
  const endpoints: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { ...nginx.metadata, uid: 'ep' }, subsets: buildSubsets(nginx, pods) };
  const catalog = new MutableCatalog();
  catalog.upsert(nginx);
  catalog.upsert(endpoints);
  return buildClusterZone(catalog, { zone: 'cluster.local', ttl: 5, nameserverAddress: '127.96.0.10' });
}

const values = (records: DnsRecord[] | undefined) =>
  (records ?? []).map((r) => (r.type === RR_TYPE.A ? r.address : r.type === RR_TYPE.SRV ? `${r.port} ${r.target}` : 'target' in r ? r.target : '')).sort();

t.test('ready pods get their own names; the headless name lists them all', async (t) => {
  const z = zoneFor(false);
  const a = (name: string) => values(z.records.get(name)?.get(RR_TYPE.A));
  t.same(a('web-0.nginx.default.svc.cluster.local'), ['127.244.1.2']);
  t.same(a('web-1.nginx.default.svc.cluster.local'), ['127.244.1.3']);
  t.same(a('web-2.nginx.default.svc.cluster.local'), [], 'a not-ready pod has no record');
  t.notOk(z.names.has('web-2.nginx.default.svc.cluster.local'), '…and its name does not exist (NXDOMAIN)');
  t.same(a('nginx.default.svc.cluster.local'), ['127.244.1.2', '127.244.1.3', '127.244.1.5']);
  t.same(a('127-244-1-5.nginx.default.svc.cluster.local'), ['127.244.1.5'], 'a pod without a matching subdomain is named by its dashed IP');
  t.notOk(z.names.has('db-0.nginx.default.svc.cluster.local'));
  t.same(values(z.records.get('_web._tcp.nginx.default.svc.cluster.local')?.get(RR_TYPE.SRV)), [
    '80 127-244-1-5.nginx.default.svc.cluster.local',
    '80 web-0.nginx.default.svc.cluster.local',
    '80 web-1.nginx.default.svc.cluster.local',
  ]);
  t.same(values(z.records.get('2.1.244.127.in-addr.arpa')?.get(RR_TYPE.PTR)), ['web-0.nginx.default.svc.cluster.local'], 'PTR names the pod');
});

t.test('publishNotReadyAddresses publishes the pod before it is ready (what peer discovery relies on)', async (t) => {
  const z = zoneFor(true);
  t.same(values(z.records.get('web-2.nginx.default.svc.cluster.local')?.get(RR_TYPE.A)), ['127.244.1.4']);
});
