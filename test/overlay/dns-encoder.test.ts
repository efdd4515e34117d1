// The reply encoder, checked by decoding its output with dns2 (through the
// adapter) — an independent parser — and for name compression.

import t from 'tap';
import { answerRecords } from '../../overlay/dns/dns2-adapter.ts';
import { encodeReply } from '../../overlay/dns/encoder.ts';
import { guardPacket } from '../../overlay/dns/guard.ts';
import type { DnsQuery, DnsRecord } from '../../overlay/dns/message.ts';
import { RR_TYPE } from '../../overlay/dns/message.ts';
import { isWellFormedMessage } from '../../overlay/dns/message-check.ts';
import { buildQuery } from './helpers/dns-client.ts';

function queryFor(name: string, type: number, edns = false): DnsQuery {
  const g = guardPacket(buildQuery(name, type, edns ? { edns: { udpSize: 1232 } } : {}), 'udp');
  if (g.kind !== 'query') throw new Error('bad test query');
  return g.query;
}

const base = 'svc.ns.svc.cluster.local';

t.test('every record form round-trips through an independent parser (table)', (t) => {
  const cases: { name: string; records: DnsRecord[] }[] = [
    { name: 'A', records: [{ name: base, type: RR_TYPE.A, ttl: 5, address: '127.96.0.20' }] },
    { name: 'several A', records: ['127.1.0.2', '127.1.0.3', '127.1.0.4'].map((address) => ({ name: base, type: RR_TYPE.A, ttl: 5, address })) },
    { name: 'CNAME', records: [{ name: base, type: RR_TYPE.CNAME, ttl: 5, target: 'example.com' }] },
    { name: 'PTR', records: [{ name: '20.0.96.127.in-addr.arpa', type: RR_TYPE.PTR, ttl: 5, target: base }] },
    { name: 'TXT', records: [{ name: 'dns-version.cluster.local', type: RR_TYPE.TXT, ttl: 5, text: '1.1.0' }] },
    { name: 'SRV', records: [{ name: `_http._tcp.${base}`, type: RR_TYPE.SRV, ttl: 5, priority: 0, weight: 100, port: 8080, target: base }] },
    { name: 'NS', records: [{ name: 'cluster.local', type: RR_TYPE.NS, ttl: 5, target: 'ns.dns.cluster.local' }] },
  ];
  for (const c of cases) {
    const query = queryFor(c.records[0]!.name, c.records[0]!.type, true);
    const wire = encodeReply(query, { rcode: 0, authoritative: true, answers: c.records, authority: [], additional: [] });
    t.ok(isWellFormedMessage(wire), `${c.name}: well formed`);
    t.same(answerRecords(wire), c.records, `${c.name}: decodes to the same records`);
    t.equal(wire.readUInt16BE(0), query.id, `${c.name}: ID`);
    t.equal(wire.readUInt16BE(10), 1, `${c.name}: OPT counted in additional`);
  }
  t.end();
});

t.test('names are compressed against the question and earlier records', (t) => {
  const query = queryFor(base, RR_TYPE.A);
  const many = Array.from({ length: 30 }, (_, i): DnsRecord => ({ name: base, type: RR_TYPE.A, ttl: 5, address: `127.1.0.${i + 2}` }));
  const wire = encodeReply(query, { rcode: 0, authoritative: true, answers: many, authority: [], additional: [] });
  // Each answer: 2-byte pointer + 10 fixed + 4 address.
  t.equal(wire.length, 12 + query.questionBytes.length + 30 * 16);
  const glue = encodeReply(query, {
    rcode: 0,
    authoritative: true,
    answers: [{ name: `db-0.${base}`, type: RR_TYPE.A, ttl: 5, address: '127.1.0.9' }],
    authority: [{ name: 'cluster.local', type: RR_TYPE.SOA, ttl: 5, primary: 'ns.dns.cluster.local', admin: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 }],
    additional: [],
  });
  t.ok(isWellFormedMessage(glue), 'pointers only go backwards');
  t.same(answerRecords(glue), [{ name: `db-0.${base}`, type: RR_TYPE.A, ttl: 5, address: '127.1.0.9' }]);
  t.end();
});

t.test('names that cannot be encoded throw (the chain turns that into SERVFAIL)', (t) => {
  const query = queryFor(base, RR_TYPE.CNAME);
  t.throws(() => encodeReply(query, { rcode: 0, authoritative: true, answers: [{ name: base, type: RR_TYPE.CNAME, ttl: 5, target: `${'a'.repeat(64)}.com` }], authority: [], additional: [] }), RangeError);
  t.end();
});
