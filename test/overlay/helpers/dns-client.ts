// A raw DNS client for tests: builds queries by hand (so tests control every
// byte) and decodes just enough of the reply to assert on.

import dgram from 'node:dgram';
import net from 'node:net';

export function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])), Buffer.from([0])]);
}

export function buildQuery(name: string, type: number, options: { id?: number; edns?: { udpSize: number; version?: number }; rd?: boolean } = {}): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(options.id ?? Math.floor(Math.random() * 0x10000), 0);
  header.writeUInt16BE(options.rd === false ? 0 : 0x0100, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(options.edns ? 1 : 0, 10);
  const question = Buffer.alloc(4);
  question.writeUInt16BE(type, 0);
  question.writeUInt16BE(1, 2);
  const parts = [header, encodeName(name), question];
  if (options.edns) {
    const opt = Buffer.alloc(11);
    opt.writeUInt16BE(41, 1);
    opt.writeUInt16BE(options.edns.udpSize, 3);
    opt[6] = options.edns.version ?? 0;
    parts.push(opt);
  }
  return Buffer.concat(parts);
}

export interface DecodedReply {
  id: number;
  rcode: number;
  tc: boolean;
  aa: boolean;
  counts: [number, number, number, number];
  /** Answer A addresses in order (other record types are skipped). */
  addresses: string[];
}

function skipName(buf: Buffer, offset: number): number {
  for (;;) {
    const len = buf[offset]!;
    if (len === 0) return offset + 1;
    if ((len & 0xc0) === 0xc0) return offset + 2;
    offset += 1 + len;
  }
}

export function decodeReply(buf: Buffer): DecodedReply {
  const counts: [number, number, number, number] = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  let offset = 12;
  for (let i = 0; i < counts[0]; i++) offset = skipName(buf, offset) + 4;
  const addresses: string[] = [];
  for (let i = 0; i < counts[1]; i++) {
    offset = skipName(buf, offset);
    const type = buf.readUInt16BE(offset);
    const rdlength = buf.readUInt16BE(offset + 8);
    if (type === 1 && rdlength === 4) addresses.push([...buf.subarray(offset + 10, offset + 14)].join('.'));
    offset += 10 + rdlength;
  }
  const flags = buf.readUInt16BE(2);
  return { id: buf.readUInt16BE(0), rcode: flags & 0xf, tc: (flags & 0x0200) !== 0, aa: (flags & 0x0400) !== 0, counts, addresses };
}

/** Sends one UDP query; resolves with the reply or undefined after timeoutMs. */
export function udpExchange(host: string, port: number, packet: Buffer, timeoutMs = 2000): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const finish = (reply: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    socket.on('message', (msg) => finish(msg));
    socket.on('error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.bind(0, '127.0.0.1', () => socket.send(packet, port, host));
  });
}

/** Sends one length-prefixed TCP query; resolves with the reply or undefined if the server closed first. */
export function tcpExchange(host: string, port: number, packet: Buffer, timeoutMs = 2000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, localAddress: '127.0.0.1' });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const finish = (reply: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(packet.length);
      socket.write(Buffer.concat([prefix, packet]));
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      if (all.length >= 2 && all.length >= 2 + all.readUInt16BE(0)) finish(all.subarray(2, 2 + all.readUInt16BE(0)));
    });
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
  });
}

/** One UDP socket and one TCP connection reused for many sequential queries (less client overhead in timings). */
export async function openDnsSession(host: string, port: number): Promise<{
  udp(packet: Buffer, timeoutMs?: number): Promise<Buffer | undefined>;
  tcp(packet: Buffer, timeoutMs?: number): Promise<Buffer | undefined>;
  close(): void;
}> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const conn = net.connect({ host, port, localAddress: '127.0.0.1' });
  conn.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    conn.once('connect', resolve);
    conn.once('error', reject);
  });
  let waiting: ((reply: Buffer | undefined) => void) | undefined;
  socket.on('message', (msg) => waiting?.(msg));
  let buffered = Buffer.alloc(0);
  conn.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const reply = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
      buffered = buffered.subarray(2 + reply.length);
      waiting?.(reply);
    }
  });
  conn.on('error', () => waiting?.(undefined));
  const exchange = (send: () => void, timeoutMs: number): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (reply: Buffer | undefined): void => {
        clearTimeout(timer);
        waiting = undefined;
        resolve(reply);
      };
      waiting = done;
      send();
    });
  return {
    udp: (packet, timeoutMs = 1000) => exchange(() => socket.send(packet, port, host), timeoutMs),
    tcp: (packet, timeoutMs = 1000) =>
      exchange(() => {
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(packet.length);
        conn.write(Buffer.concat([prefix, packet]));
      }, timeoutMs),
    close() {
      socket.close();
      conn.destroy();
    },
  };
}
