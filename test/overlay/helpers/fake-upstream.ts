// A tiny upstream resolver for forward tests, on 127.0.0.1 UDP+TCP:
//   outside.test A    → 127.1.2.3 (TTL 60)
//   big.test TXT      → 20 × 100-byte strings (truncated over UDP)
//   slow.test         → never answered
//   loop.test         → an answer whose owner name is a compression pointer to itself
//   anything else     → NXDOMAIN
// Counts the queries it receives.

import dgram from 'node:dgram';
import net from 'node:net';

export interface FakeUpstream {
  address: string;
  queries: string[];
  close(): Promise<void>;
}

function questionEnd(msg: Buffer): number {
  let offset = 12;
  while (msg[offset] !== 0) offset += 1 + msg[offset]!;
  return offset + 5;
}

function qname(msg: Buffer): string {
  const labels: string[] = [];
  let offset = 12;
  while (msg[offset] !== 0) {
    labels.push(msg.subarray(offset + 1, offset + 1 + msg[offset]!).toString('latin1').toLowerCase());
    offset += 1 + msg[offset]!;
  }
  return labels.join('.');
}

function answer(msg: Buffer, overUdp: boolean): Buffer | undefined {
  const name = qname(msg);
  if (name === 'slow.test') return undefined;
  const end = questionEnd(msg);
  if (name === 'loop.test') {
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(1, 6);
    const at = end; // the answer starts here; its name points at itself
    const answer = Buffer.from([0xc0 | (at >> 8), at & 0xff, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4]);
    return Buffer.concat([header, msg.subarray(12, end), answer]);
  }
  const type = msg.readUInt16BE(end - 4);
  const records: Buffer[] = [];
  let rcode = 0;
  if (name === 'outside.test' && type === 1) {
    records.push(rr(1, 60, Buffer.from([127, 1, 2, 3])));
  } else if (name === 'big.test' && type === 16) {
    for (let i = 0; i < 20; i++) records.push(rr(16, 60, Buffer.concat([Buffer.from([100]), Buffer.alloc(100, 0x61 + (i % 26))])));
  } else if (name !== 'outside.test' && name !== 'big.test') {
    rcode = 3;
  }
  const header = Buffer.alloc(12);
  msg.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8180 | rcode, 2);
  header.writeUInt16BE(1, 4);
  let body = Buffer.concat(records);
  if (overUdp && 12 + (end - 12) + body.length > 512) {
    header[2] = header[2]! | 0x02;
    body = Buffer.alloc(0);
  } else {
    header.writeUInt16BE(records.length, 6);
  }
  return Buffer.concat([header, msg.subarray(12, end), body]);
}

function rr(type: number, ttl: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt32BE(ttl, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

export async function startFakeUpstream(host = '127.0.0.1'): Promise<FakeUpstream> {
  const queries: string[] = [];
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    queries.push(qname(msg));
    const reply = answer(msg, true);
    if (reply) udp.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, host, resolve));
  const port = udp.address().port;
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', (chunk) => {
      const msg = chunk.subarray(2);
      queries.push(qname(msg));
      const reply = answer(msg, false);
      if (!reply) return;
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(reply.length);
      socket.end(Buffer.concat([prefix, reply]));
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen({ host, port }, resolve);
  });
  return {
    address: `${host}:${port}`,
    queries,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
