// Hardening: the guard rejects malformed packets before anything parses
// them, and a flood of 10,000 random and crafted packets over UDP and TCP
// leaves valid queries answered in milliseconds.

import dgram from 'node:dgram';
import net from 'node:net';
import t from 'tap';
import { MutableCatalog } from '../../overlay/index.ts';
import { RCODE, guardPacket, startDnsServer } from '../../overlay/dns/index.ts';
import { buildQuery, decodeReply, encodeName, openDnsSession } from './helpers/dns-client.ts';
import { endpoints, service } from './helpers/fixtures.ts';

function header(fields: { id?: number; flags?: number; qd?: number; an?: number; ns?: number; ar?: number }): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(fields.id ?? 0x1234, 0);
  h.writeUInt16BE(fields.flags ?? 0x0100, 2);
  h.writeUInt16BE(fields.qd ?? 1, 4);
  h.writeUInt16BE(fields.an ?? 0, 6);
  h.writeUInt16BE(fields.ns ?? 0, 8);
  h.writeUInt16BE(fields.ar ?? 0, 10);
  return h;
}

const TYPE_A = Buffer.from([0, 1, 0, 1]);

/** Crafted packets, each with what the guard must make of it. */
function craftedPackets(): { name: string; packet: Buffer; expect: 'drop' | 'formerr' | 'notimp' }[] {
  const valid = buildQuery('backend.default.svc.cluster.local', 1);
  const longName = Buffer.concat([...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([60]), Buffer.alloc(60, 0x61)])), Buffer.from([0])]);
  const opt = (rdlen: number, rdata: Buffer): Buffer => {
    const o = Buffer.alloc(11);
    o.writeUInt16BE(41, 1);
    o.writeUInt16BE(1232, 3);
    o.writeUInt16BE(rdlen, 9);
    return Buffer.concat([o, rdata]);
  };
  return [
    { name: 'empty', packet: Buffer.alloc(0), expect: 'drop' },
    { name: '11 bytes', packet: Buffer.alloc(11), expect: 'drop' },
    { name: 'header claiming 65535 records everywhere', packet: header({ qd: 65535, an: 65535, ns: 65535, ar: 65535 }), expect: 'formerr' },
    { name: 'no question', packet: header({ qd: 0 }), expect: 'formerr' },
    { name: 'two questions', packet: Buffer.concat([header({ qd: 2 }), encodeName('a.b'), TYPE_A, encodeName('c.d'), TYPE_A]), expect: 'formerr' },
    { name: 'answer records in a query', packet: Buffer.concat([header({ an: 1 }), encodeName('a.b'), TYPE_A]), expect: 'formerr' },
    { name: 'a response (QR=1)', packet: Buffer.concat([header({ flags: 0x8180 }), encodeName('a.b'), TYPE_A]), expect: 'drop' },
    { name: 'opcode UPDATE', packet: Buffer.concat([header({ flags: 5 << 11 }), encodeName('a.b'), TYPE_A]), expect: 'notimp' },
    { name: 'label of 64 bytes', packet: Buffer.concat([header({}), Buffer.from([64]), Buffer.alloc(64, 0x61), Buffer.from([0]), TYPE_A]), expect: 'formerr' },
    { name: 'label running past the end', packet: Buffer.concat([header({}), Buffer.from([40]), Buffer.alloc(10, 0x61)]), expect: 'formerr' },
    { name: 'compression pointer loop', packet: Buffer.concat([header({}), Buffer.from([0xc0, 12]), TYPE_A]), expect: 'formerr' },
    { name: 'name longer than 255 bytes', packet: Buffer.concat([header({}), longName, TYPE_A]), expect: 'formerr' },
    { name: 'question without type/class', packet: Buffer.concat([header({}), encodeName('a.b')]), expect: 'formerr' },
    { name: 'trailing garbage', packet: Buffer.concat([valid, Buffer.from([1, 2, 3])]), expect: 'formerr' },
    { name: 'additional record that is not OPT', packet: Buffer.concat([header({ ar: 1 }), encodeName('a.b'), TYPE_A, Buffer.from([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0])]), expect: 'formerr' },
    { name: 'OPT rdata past the end', packet: Buffer.concat([header({ ar: 1 }), encodeName('a.b'), TYPE_A, opt(500, Buffer.alloc(4))]), expect: 'formerr' },
    { name: 'OPT option longer than its rdata', packet: Buffer.concat([header({ ar: 1 }), encodeName('a.b'), TYPE_A, opt(4, Buffer.from([0, 10, 0, 200]))]), expect: 'formerr' },
    { name: 'oversized packet', packet: Buffer.concat([valid, Buffer.alloc(5000)]), expect: 'drop' },
  ];
}

t.test('guard verdicts for crafted packets (table)', (t) => {
  for (const c of craftedPackets()) {
    const result = guardPacket(c.packet, 'udp');
    const verdict = result.kind === 'drop' ? 'drop' : result.kind === 'reject' ? (result.rcode === RCODE.NOTIMP ? 'notimp' : 'formerr') : 'query';
    t.equal(verdict, c.expect, c.name);
  }
  const ok = guardPacket(buildQuery('Backend.Default.svc.cluster.local', 33, { edns: { udpSize: 4096 } }), 'tcp');
  t.equal(ok.kind, 'query');
  if (ok.kind === 'query') {
    t.equal(ok.query.name, 'backend.default.svc.cluster.local', 'lower-cased');
    t.equal(ok.query.type, 33);
    t.same(ok.query.edns, { udpSize: 4096, version: 0, dnssecOk: false });
  }
  const dotted = guardPacket(Buffer.concat([header({}), Buffer.from([3, 0x61, 0x2e, 0x62, 0]), TYPE_A]), 'udp');
  t.equal(dotted.kind === 'query' && dotted.query.name, 'a\\046b', 'a dot inside a label is escaped, not a separator');
  t.end();
});

function randomPacket(rand: () => number, valid: Buffer): Buffer {
  const mode = rand();
  if (mode < 0.4) {
    const b = Buffer.alloc(Math.floor(rand() * 600));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
    return b;
  }
  if (mode < 0.8) {
    // Mutate a valid query: flip a few bytes anywhere, including the header counts.
    const b = Buffer.from(valid);
    const flips = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < flips; i++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    return b;
  }
  // A valid header (QR=0, one question) over random bytes.
  const b = Buffer.alloc(12 + Math.floor(rand() * 300));
  for (let i = 12; i < b.length; i++) b[i] = Math.floor(rand() * 256);
  b.writeUInt16BE(0x0100, 2);
  b.writeUInt16BE(1, 4);
  b.writeUInt16BE(Math.floor(rand() * 65536), 10);
  return b;
}

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

t.test('a flood of 10,000 malformed packets, then 100 valid queries each under 50 ms (UDP and TCP)', async (t) => {
  const catalog = new MutableCatalog();
  for (let i = 0; i < 50; i++) {
    catalog.upsert(service(`svc-${i}`, { clusterIP: `127.96.1.${i + 1}`, ports: [{ name: 'http', port: 80 }] }));
    catalog.upsert(endpoints(`svc-${i}`, { ready: [`127.244.1.${i + 2}`], ports: [{ name: 'http', port: 80 }] }));
  }
  const server = await startDnsServer({ host: '127.0.0.1', catalog, upstreams: [] });
  t.teardown(() => server.close());
  const rand = prng(0x5eed);
  const valid = buildQuery('svc-7.default.svc.cluster.local', 1, { edns: { udpSize: 1232 } });
  const crafted = craftedPackets().map((c) => c.packet);
  const packets: Buffer[] = [];
  for (let i = 0; i < 10_000; i++) packets.push(i % 10 === 0 ? crafted[(i / 10) % crafted.length]! : randomPacket(rand, valid));

  // UDP: the first 5,000, sent in bursts so the loopback socket buffer keeps up.
  const udp = dgram.createSocket('udp4');
  udp.on('message', () => {});
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  for (let i = 0; i < 5_000; i += 100) {
    await Promise.all(packets.slice(i, i + 100).map((p) => new Promise<void>((resolve) => udp.send(p, server.port, server.host, () => resolve()))));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  udp.close();

  // TCP: the other 5,000, framed, five per connection, 50 connections at a time;
  // plus connections that send a bad frame length or half a frame and hang up.
  const tcpPackets = packets.slice(5_000);
  const sendFramed = (batch: Buffer[], tail: Buffer = Buffer.alloc(0)): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
      socket.on('connect', () => {
        const frames = batch.map((p) => {
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(p.length);
          return Buffer.concat([prefix, p]);
        });
        socket.end(Buffer.concat([...frames, tail]));
      });
      socket.on('data', () => {});
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
  for (let i = 0; i < tcpPackets.length; i += 250) {
    const jobs: Promise<void>[] = [];
    for (let j = i; j < Math.min(i + 250, tcpPackets.length); j += 5) jobs.push(sendFramed(tcpPackets.slice(j, j + 5)));
    jobs.push(sendFramed([], Buffer.from([0x00, 0x03, 1, 2, 3])), sendFramed([], Buffer.from([0xff, 0xff, 1, 2])));
    await Promise.all(jobs);
  }

  const session = await openDnsSession(server.host, server.port);
  t.teardown(() => session.close());
  const timings: { transport: string; i: number; ms: number; ok: boolean }[] = [];
  for (const transport of ['udp', 'tcp'] as const) {
    for (let i = 0; i < 100; i++) {
      const n = i % 50;
      const query = buildQuery(`svc-${n}.default.svc.cluster.local`, 1, { id: i + 1 });
      const started = process.hrtime.bigint();
      const reply = transport === 'udp' ? await session.udp(query) : await session.tcp(query);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const decoded = reply ? decodeReply(reply) : undefined;
      timings.push({ transport, i, ms, ok: decoded?.id === i + 1 && decoded.addresses[0] === `127.96.1.${n + 1}` });
    }
  }
  t.equal(timings.filter((x) => x.ok).length, 200, 'all 200 valid queries answered correctly');
  const stats = server.stats();
  t.ok(stats.dropped > 0 && (stats.responses['FORMERR'] ?? 0) > 0, `the guard dropped ${stats.dropped} and answered FORMERR to ${stats.responses['FORMERR']}`);
  const slow = timings.filter((x) => x.ms >= 50);
  t.same(slow, [], 'every valid query answered in under 50 ms');
  const worst = Math.max(...timings.map((x) => x.ms));
  t.comment(`slowest valid query after the flood: ${worst.toFixed(2)} ms; over 5 ms: ${timings.filter((x) => x.ms > 5).length} of 200`);
});
