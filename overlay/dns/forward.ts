// Names outside the cluster zone go to upstream resolvers (by default the
// nameservers of /etc/resolv.conf). The client's validated query is relayed
// as is under a fresh ID; each upstream gets `timeoutMs`, then the next one
// is tried; when all fail the reply is SERVFAIL. A truncated UDP answer to a
// TCP client is fetched again over TCP.

import dgram from 'node:dgram';
import net from 'node:net';
import type { Clock, Timer } from '../../control/api/index.ts';
import { minimumTtl } from './dns2-adapter.ts';
import { isWellFormedMessage } from './message-check.ts';
import type { DnsPlugin, DnsQuery, DnsReply } from './message.ts';
import { RCODE, emptyReply } from './message.ts';
import { rcodeOf } from './wire.ts';

export interface Upstream {
  host: string;
  port: number;
}

export interface ForwardPluginOptions {
  upstreams: Upstream[];
  timeoutMs: number;
  clock: Clock;
  /** Local address for sockets to loopback upstreams (never the wildcard). */
  loopbackBindHost: string;
  /** This server's own address once bound: an upstream equal to it (resolv.conf naming meshlet) would loop, so it is skipped. */
  self?: () => Upstream | undefined;
}

interface Pending {
  question: Buffer;
  upstream: Upstream;
  resolve: (wire: Buffer | undefined) => void;
  timer: Timer;
}

const NEGATIVE_TTL = 5;
/** Queries in flight upstream at once; beyond this, SERVFAIL at once (IDs are 16 bits). */
const MAX_PENDING = 4096;

export function parseUpstream(text: string): Upstream {
  const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 53) };
  const parts = text.split(':');
  if (parts.length === 2) return { host: parts[0]!, port: Number(parts[1]) };
  return { host: text, port: 53 };
}

export function forwardPlugin(options: ForwardPluginOptions): DnsPlugin {
  const pending = new Map<number, Pending>();
  const sockets = new Map<string, dgram.Socket>();
  let closed = false;

  const socketFor = (upstream: Upstream): dgram.Socket => {
    const family = net.isIPv6(upstream.host) ? 'udp6' : 'udp4';
    const socketKey = `${upstream.host}|${upstream.port}`;
    let socket = sockets.get(socketKey);
    if (socket) return socket;
    socket = dgram.createSocket(family);
    if (family === 'udp4' && upstream.host.startsWith('127.')) socket.bind(0, options.loopbackBindHost);
    socket.on('message', (msg, rinfo) => {
      if (msg.length < 12) return;
      const entry = pending.get(msg.readUInt16BE(0));
      if (!entry || rinfo.port !== entry.upstream.port || rinfo.address !== entry.upstream.host) return;
      if (msg.length < 12 + entry.question.length || !sameQuestion(msg.subarray(12, 12 + entry.question.length), entry.question)) return;
      entry.resolve(msg);
    });
    socket.on('error', () => {});
    socket.unref();
    sockets.set(socketKey, socket);
    return socket;
  };

  const askUdp = (query: DnsQuery, upstream: Upstream): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      let id = 0;
      do id = Math.floor(Math.random() * 0x10000);
      while (pending.has(id));
      const packet = Buffer.from(query.raw);
      packet.writeUInt16BE(id, 0);
      const finish = (wire: Buffer | undefined): void => {
        if (pending.get(id) !== entry) return;
        pending.delete(id);
        entry.timer.cancel();
        resolve(wire);
      };
      const entry: Pending = { question: query.questionBytes, upstream, resolve: finish, timer: options.clock.setTimer(options.timeoutMs, () => finish(undefined)) };
      pending.set(id, entry);
      socketFor(upstream).send(packet, upstream.port, upstream.host, (err) => {
        if (err) finish(undefined);
      });
    });

  const askTcp = (query: DnsQuery, upstream: Upstream): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      const socket = net.connect({ host: upstream.host, port: upstream.port, ...(upstream.host.startsWith('127.') ? { localAddress: options.loopbackBindHost } : {}) });
      const chunks: Buffer[] = [];
      let done = false;
      const finish = (wire: Buffer | undefined): void => {
        if (done) return;
        done = true;
        timer.cancel();
        socket.destroy();
        resolve(wire);
      };
      const timer = options.clock.setTimer(options.timeoutMs, () => finish(undefined));
      socket.on('connect', () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(query.raw.length);
        socket.write(Buffer.concat([length, query.raw]));
      });
      socket.on('data', (chunk) => {
        chunks.push(chunk);
        const all = Buffer.concat(chunks);
        if (all.length >= 2 && all.length >= 2 + all.readUInt16BE(0)) finish(all.subarray(2, 2 + all.readUInt16BE(0)));
      });
      socket.on('error', () => finish(undefined));
      socket.on('close', () => finish(undefined));
    });

  return {
    name: 'forward',
    async serve(query: DnsQuery): Promise<DnsReply> {
      if (closed || options.upstreams.length === 0 || pending.size >= MAX_PENDING) return emptyReply(RCODE.SERVFAIL);
      const self = options.self?.();
      for (const upstream of options.upstreams) {
        if (self && upstream.port === self.port && upstream.host === self.host) continue;
        let wire = await askUdp(query, upstream);
        if (wire && query.transport === 'tcp' && (wire[2]! & 0x02) !== 0) wire = await askTcp(query, upstream);
        if (!wire || !isWellFormedMessage(wire)) continue;
        const rcode = rcodeOf(wire);
        if (rcode === RCODE.SERVFAIL || rcode === RCODE.REFUSED) continue;
        const truncated = (wire[2]! & 0x02) !== 0;
        const ttl = truncated ? 0 : (minimumTtl(wire) ?? NEGATIVE_TTL);
        return { rcode, authoritative: false, answers: [], authority: [], additional: [], wire, cacheTtl: ttl };
      }
      return emptyReply(RCODE.SERVFAIL);
    },
    close(): Promise<void> {
      closed = true;
      for (const entry of pending.values()) entry.resolve(undefined);
      for (const socket of sockets.values()) socket.close();
      sockets.clear();
      return Promise.resolve();
    },
  };
}

function sameQuestion(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]!;
    let y = b[i]!;
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}
