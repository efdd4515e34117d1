// The cluster zone built from catalog objects, including objects that do not
// fit an IPv4 overlay (they are left out, not turned into bad records).

import t from 'tap';
import { MutableCatalog } from '../../overlay/index.ts';
import { buildClusterZone } from '../../overlay/dns/index.ts';
import { RR_TYPE } from '../../overlay/dns/index.ts';
import { endpoints, pod, service } from './helpers/fixtures.ts';

function zoneOf(build: (c: MutableCatalog) => void) {
  const catalog = new MutableCatalog();
  build(catalog);
  return buildClusterZone(catalog, { zone: 'cluster.local', ttl: 5, nameserverAddress: '127.96.0.10' });
}

t.test('records and names (table)', (t) => {
  const z = zoneOf((c) => {
    c.upsert(service('web', { clusterIP: '127.96.0.5', ports: [{ name: 'http', port: 80 }, { port: 81 }] }));
    c.upsert(service('v6', { clusterIP: 'fd00::5', ports: [{ name: 'http', port: 80 }] }));
    c.upsert(service('pending', { ports: [{ name: 'http', port: 80 }] }));
    c.upsert(service('hl', { clusterIP: 'None', ports: [{ name: 'p', port: 9 }] }));
    c.upsert(endpoints('hl', { ready: [{ ip: '127.244.1.2', hostname: 'h0' }, 'fd00::9', 'junk'], ports: [{ name: 'p', port: 9 }, { name: 'bad', port: 0 }] }));
    c.upsert(pod('p1', '127.244.1.3'));
    c.upsert(pod('p2', 'fd00::3'));
  });
  const has = (name: string, type: number) => (z.records.get(name)?.get(type) ?? []).length;
  const cases: [name: string, type: number, count: number][] = [
    ['web.default.svc.cluster.local', RR_TYPE.A, 1],
    ['_http._tcp.web.default.svc.cluster.local', RR_TYPE.SRV, 1],
    ['20.0.96.127.in-addr.arpa', RR_TYPE.PTR, 0],
    ['5.0.96.127.in-addr.arpa', RR_TYPE.PTR, 1],
    ['v6.default.svc.cluster.local', RR_TYPE.A, 0],
    ['pending.default.svc.cluster.local', RR_TYPE.A, 0],
    ['hl.default.svc.cluster.local', RR_TYPE.A, 1],
    ['h0.hl.default.svc.cluster.local', RR_TYPE.A, 1],
    ['_p._tcp.hl.default.svc.cluster.local', RR_TYPE.SRV, 1],
    ['_bad._tcp.hl.default.svc.cluster.local', RR_TYPE.SRV, 0],
    ['127-244-1-3.default.pod.cluster.local', RR_TYPE.A, 1],
    ['dns-version.cluster.local', RR_TYPE.TXT, 1],
    ['cluster.local', RR_TYPE.SOA, 1],
    ['cluster.local', RR_TYPE.NS, 1],
    ['ns.dns.cluster.local', RR_TYPE.A, 1],
  ];
  for (const [name, type, count] of cases) t.equal(has(name, type), count, `${name} type ${type}: ${count}`);
  for (const name of ['svc.cluster.local', 'default.svc.cluster.local', 'pod.cluster.local', 'default.pod.cluster.local']) {
    t.ok(z.names.has(name), `${name} exists (empty non-terminal)`);
  }
  t.notOk(z.names.has('v6.default.svc.cluster.local'), 'an IPv6-only service has no name here');
  t.end();
});
