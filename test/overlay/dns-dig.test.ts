// The cluster DNS queried with the real `dig`, every record form of the
// Kubernetes DNS spec 1.1.0, over UDP and TCP, as the catalog changes.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { MutableCatalog, podNetworkEnv } from '../../overlay/index.ts';
import { startDnsServer } from '../../overlay/dns/index.ts';
import type { DnsServer } from '../../overlay/dns/index.ts';
import { dig, digShort, requireDig } from './helpers/dig.ts';
import { endpoints, pod, service } from './helpers/fixtures.ts';
import { startFakeUpstream } from './helpers/fake-upstream.ts';
import type { FakeUpstream } from './helpers/fake-upstream.ts';

const Z = 'cluster.local';
const SOA = /^cluster\.local\. 5 IN SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 5$/;

let catalog: MutableCatalog;
let server: DnsServer;
let upstream: FakeUpstream;
let s: { host: string; port: number };

t.before(async () => {
  await requireDig();
  upstream = await startFakeUpstream('127.0.0.1');
  catalog = new MutableCatalog();
  catalog.upsert(service('backend', { clusterIP: '127.96.0.20', ports: [{ name: 'http', port: 8080 }, { port: 9090 }] }));
  catalog.upsert(endpoints('backend', { ready: ['127.244.1.2'], ports: [{ name: 'http', port: 8080 }] }));
  catalog.upsert(service('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }, 'data'));
  catalog.upsert(
    endpoints(
      'db',
      { ready: [{ ip: '127.244.2.2', hostname: 'db-0' }, { ip: '127.244.2.3' }], notReady: ['127.244.2.4'], ports: [{ name: 'pg', port: 5432 }] },
      'data',
    ),
  );
  catalog.upsert(service('docs', { type: 'ExternalName', externalName: 'outside.test' }));
  catalog.upsert(pod('web-1', '127.244.1.7'));
  server = await startDnsServer({ host: '127.0.0.1', port: 0, catalog, upstreams: [upstream.address], forwardTimeoutMs: 300 });
  s = { host: server.host, port: server.port };
});

t.teardown(async () => {
  await server?.close();
  await upstream?.close();
});

t.test('record forms (table), each over UDP and TCP', async (t) => {
  const cases: { name: string; args: string[]; short: string[] }[] = [
    { name: 'ClusterIP service A', args: [`backend.default.svc.${Z}`], short: ['127.96.0.20'] },
    { name: 'headless service: one A per ready endpoint', args: [`db.data.svc.${Z}`], short: ['127.244.2.2', '127.244.2.3'] },
    { name: 'headless endpoint hostname', args: [`db-0.db.data.svc.${Z}`], short: ['127.244.2.2'] },
    { name: 'headless endpoint without hostname: dashed IP', args: [`127-244-2-3.db.data.svc.${Z}`], short: ['127.244.2.3'] },
    { name: 'SRV for a ClusterIP named port', args: [`_http._tcp.backend.default.svc.${Z}`, 'SRV'], short: [`0 100 8080 backend.default.svc.${Z}.`] },
    {
      name: 'SRV for a headless named port: one per endpoint',
      args: [`_pg._tcp.db.data.svc.${Z}`, 'SRV'],
      short: [`0 100 5432 127-244-2-3.db.data.svc.${Z}.`, `0 100 5432 db-0.db.data.svc.${Z}.`],
    },
    { name: 'PTR for a ClusterIP', args: ['-x', '127.96.0.20'], short: [`backend.default.svc.${Z}.`] },
    { name: 'PTR for a headless endpoint', args: ['-x', '127.244.2.2'], short: [`db-0.db.data.svc.${Z}.`] },
    { name: 'ExternalName CNAME', args: [`docs.default.svc.${Z}`, 'CNAME'], short: ['outside.test.'] },
    { name: 'ExternalName A: CNAME plus the target resolved upstream', args: [`docs.default.svc.${Z}`], short: ['outside.test.', '127.1.2.3'] },
    { name: 'TXT dns-version', args: [`dns-version.${Z}`, 'TXT'], short: ['"1.1.0"'] },
    { name: 'pod A (dashed IP)', args: [`127-244-1-7.default.pod.${Z}`], short: ['127.244.1.7'] },
    { name: 'letter case is ignored', args: [`BackEnd.Default.SVC.Cluster.Local`], short: ['127.96.0.20'] },
    { name: 'names outside the zone are forwarded', args: ['outside.test'], short: ['127.1.2.3'] },
  ];
  for (const c of cases) {
    for (const transport of ['+notcp', '+tcp']) {
      const got = await digShort(s, [transport, ...c.args]);
      t.same(got.sort(), [...c.short].sort(), `${c.name} (${transport === '+tcp' ? 'TCP' : 'UDP'})`);
    }
  }
});

t.test('NXDOMAIN and NODATA carry the SOA in the authority section', async (t) => {
  const cases: { name: string; args: string[]; status: string }[] = [
    { name: 'unknown service', args: [`nope.default.svc.${Z}`], status: 'NXDOMAIN' },
    { name: 'unnamed port has no SRV', args: [`_9090._tcp.backend.default.svc.${Z}`, 'SRV'], status: 'NXDOMAIN' },
    { name: 'AAAA for an IPv4-only service', args: [`backend.default.svc.${Z}`, 'AAAA'], status: 'NOERROR' },
    { name: 'empty non-terminal (namespace)', args: [`default.svc.${Z}`], status: 'NOERROR' },
    { name: 'pod record for an IP no pod has', args: [`127-244-9-9.default.pod.${Z}`], status: 'NXDOMAIN' },
  ];
  for (const c of cases) {
    const r = await dig(s, c.args);
    t.equal(r.status, c.status, c.name);
    t.same(r.answer, [], `${c.name}: no answer`);
    t.equal(r.authority.length, 1, `${c.name}: one authority record`);
    t.match(r.authority[0], SOA, `${c.name}: the zone SOA`);
    t.ok(r.flags.includes('aa'), `${c.name}: authoritative`);
  }
});

t.test('search path: short names through +search with each domain of the pod resolv.conf', async (t) => {
  const runDir = await mkdtemp(path.join(os.tmpdir(), 'meshlet-dig-'));
  t.teardown(() => rm(runDir, { recursive: true, force: true }));
  const { resolvConfPath } = await podNetworkEnv({ pod: pod('client', '127.244.1.9'), podIp: '127.244.1.9', dns: s, runDir });
  const resolvConf = await readFile(resolvConfPath, 'utf8');
  const search = /^search (.*)$/m.exec(resolvConf)![1]!.split(' ');
  const ndots = /ndots:(\d+)/.exec(resolvConf)![1]!;
  t.same(search, [`default.svc.${Z}`, `svc.${Z}`, Z]);
  const names = ['backend', 'backend.default', 'backend.default.svc'];
  for (let i = 0; i < names.length; i++) {
    const got = await digShort(s, ['+search', `+domain=${search[i]}`, `+ndots=${ndots}`, names[i]!]);
    t.same(got, ['127.96.0.20'], `${names[i]} with search ${search[i]}`);
  }
});

t.test('EDNS0: OPT echoed with our payload size; unknown version gets BADVERS', async (t) => {
  const r = await dig(s, ['+edns=0', '+bufsize=4096', `backend.default.svc.${Z}`]);
  t.match(r.edns, /version: 0, flags:; udp: 1232/);
  const plain = await dig(s, ['+noedns', `backend.default.svc.${Z}`]);
  t.equal(plain.edns, undefined, 'no OPT when the query had none');
  const bad = await dig(s, ['+edns=1', '+noednsnegotiation', `backend.default.svc.${Z}`]);
  t.equal(bad.status, 'BADVERS');
});

t.test('truncation: a large headless answer sets TC over UDP and is complete over TCP', async (t) => {
  const many = Array.from({ length: 60 }, (_, i) => `127.244.3.${i + 2}`);
  catalog.upsert(service('wide', { clusterIP: 'None' }));
  catalog.upsert(endpoints('wide', { ready: many }));
  const udp = await dig(s, ['+notcp', '+ignore', '+noedns', `wide.default.svc.${Z}`]);
  t.ok(udp.flags.includes('tc'), 'TC set over UDP');
  t.same(udp.answer, [], 'no partial answer');
  const tcp = await digShort(s, ['+tcp', `wide.default.svc.${Z}`]);
  t.equal(tcp.length, 60, 'all 60 records over TCP');
  const retried = await digShort(s, [`wide.default.svc.${Z}`]);
  t.equal(retried.length, 60, 'dig retries over TCP after TC, on the same port');
  const huge = Array.from({ length: 4200 }, (_, i) => `127.245.${i >> 8}.${i & 255}`);
  catalog.upsert(service('huge', { clusterIP: 'None' }));
  catalog.upsert(endpoints('huge', { ready: huge }));
  const hugeTcp = await dig(s, ['+tcp', '+ignore', `huge.default.svc.${Z}`]);
  t.ok(hugeTcp.flags.includes('tc'), 'an answer over 64 KiB is truncated over TCP too (and the server lives)');
  t.same(await digShort(s, [`backend.default.svc.${Z}`]), ['127.96.0.20']);
  const forwarded = await dig(s, ['+notcp', '+ignore', '+noedns', 'big.test', 'TXT']);
  t.ok(forwarded.flags.includes('tc'), 'a truncated upstream answer stays truncated over UDP');
  const forwardedTcp = await dig(s, ['+tcp', 'big.test', 'TXT']);
  t.equal(forwardedTcp.answer.length, 20, 'TCP client gets the full upstream answer (refetched over TCP)');
});

t.test('answers follow the catalog: service created, endpoint unready, service deleted', async (t) => {
  const name = `cart.default.svc.${Z}`;
  t.equal((await dig(s, [name])).status, 'NXDOMAIN', 'before the service exists');
  catalog.upsert(service('cart', { clusterIP: '127.96.0.30', ports: [{ name: 'http', port: 80 }] }));
  t.same(await digShort(s, [name]), ['127.96.0.30'], 'service created');

  const headless = `cart-pods.default.svc.${Z}`;
  catalog.upsert(service('cart-pods', { clusterIP: 'None' }));
  catalog.upsert(endpoints('cart-pods', { ready: ['127.244.4.2', '127.244.4.3'] }));
  t.same((await digShort(s, [headless])).sort(), ['127.244.4.2', '127.244.4.3'], 'two ready endpoints');
  catalog.upsert(endpoints('cart-pods', { ready: ['127.244.4.2'], notReady: ['127.244.4.3'] }));
  t.same(await digShort(s, [headless]), ['127.244.4.2'], 'endpoint became unready');
  catalog.upsert(endpoints('cart-pods', { notReady: ['127.244.4.2', '127.244.4.3'] }));
  t.equal((await dig(s, [headless])).status, 'NXDOMAIN', 'no ready endpoints: NXDOMAIN');
  catalog.upsert(service('cart-pods', { clusterIP: 'None', publishNotReadyAddresses: true }));
  t.same((await digShort(s, [headless])).sort(), ['127.244.4.2', '127.244.4.3'], 'publishNotReadyAddresses lists them');

  catalog.remove('Service', 'default', 'cart');
  t.equal((await dig(s, [name])).status, 'NXDOMAIN', 'service deleted');
  t.equal((await dig(s, ['-x', '127.96.0.30'])).status, 'NXDOMAIN', 'its PTR went too');
});

t.test('127.in-addr.arpa is answered locally, never forwarded', async (t) => {
  const asked = upstream.queries.length;
  const unknown = await dig(s, ['-x', '127.96.0.99']);
  t.equal(unknown.status, 'NXDOMAIN');
  t.ok(unknown.flags.includes('aa'));
  t.match(unknown.authority[0], /^127\.in-addr\.arpa\. 5 IN SOA /);
  t.same(await digShort(s, ['-x', '127.0.0.1']), ['localhost.']);
  t.equal(upstream.queries.length, asked, 'the upstream saw none of it');
});

t.test('forwarding: upstream silence becomes SERVFAIL after the timeout', async (t) => {
  const started = Date.now();
  const r = await dig(s, ['slow.test']);
  t.equal(r.status, 'SERVFAIL');
  t.ok(Date.now() - started < 2500, 'answered after the 300 ms forward timeout, before dig gave up');
  t.ok(upstream.queries.includes('slow.test'), 'the upstream was asked');
});

t.test('forwarding: a malformed upstream reply (compression loop) is SERVFAIL, not a hang', async (t) => {
  const r = await dig(s, ['loop.test']);
  t.equal(r.status, 'SERVFAIL');
  t.same(await digShort(s, [`backend.default.svc.${Z}`]), ['127.96.0.20'], 'the server still answers');
});

t.test('forwarding never loops back into the server itself', async (t) => {
  const looping = await startDnsServer({ host: '127.0.0.1', port: 0, catalog, upstreams: [], forwardTimeoutMs: 300 });
  await looping.close();
  // Same address and port again, now with itself listed as an upstream (as if resolv.conf named it).
  const self = `127.0.0.1:${looping.port}`;
  const again = await startDnsServer({ host: '127.0.0.1', port: looping.port, catalog, upstreams: [self, upstream.address], forwardTimeoutMs: 300 });
  t.teardown(() => again.close());
  t.same(await digShort({ host: again.host, port: again.port }, ['outside.test']), ['127.1.2.3'], 'itself skipped, the next upstream answers');
  t.equal(again.stats().requests.udp, 1, 'one request: no query came back in a loop');
});

t.test('cache: hot names are answered from cache; a catalog change invalidates them', async (t) => {
  await digShort(s, [`backend.default.svc.${Z}`]);
  const before = server.stats();
  await digShort(s, [`backend.default.svc.${Z}`]);
  await digShort(s, [`backend.default.svc.${Z}`]);
  const after = server.stats();
  t.equal(after.cache.hits - before.cache.hits, 2, 'repeat queries hit the cache');
  t.equal(after.cache.misses, before.cache.misses, 'and run no plugin');
  t.ok((after.responses['NXDOMAIN'] ?? 0) > 0 && (after.responses['NOERROR'] ?? 0) > 0 && after.truncated > 0, 'response counters by rcode and truncation');
  catalog.upsert(service('backend', { clusterIP: '127.96.0.21', ports: [{ name: 'http', port: 8080 }] }));
  t.same(await digShort(s, [`backend.default.svc.${Z}`]), ['127.96.0.21'], 'no stale answer after a change');
  const upstreamBefore = upstream.queries.filter((q) => q === 'outside.test').length;
  await digShort(s, ['outside.test']);
  await digShort(s, ['outside.test']);
  t.equal(upstream.queries.filter((q) => q === 'outside.test').length, upstreamBefore, 'forwarded answers are cached within their TTL');
});
