// Byte-level helpers for messages that need no encoder: re-stamping a cached
// reply for a new query, header-only error replies, and UDP truncation.

import { ADVERTISED_UDP_SIZE } from './encoder.ts';
import type { DnsQuery } from './message.ts';

/** Copies `wire` and stamps it with the query's ID, RD bit and question bytes. */
export function restamp(wire: Buffer, query: DnsQuery): Buffer {
  const out = Buffer.allocUnsafe(wire.length);
  wire.copy(out);
  out.writeUInt16BE(query.id, 0);
  out[2] = (out[2]! & 0xfe) | (query.recursionDesired ? 1 : 0);
  query.questionBytes.copy(out, 12);
  return out;
}

/** A header-only reply (FORMERR, NOTIMP) to a packet whose question could not be used. */
export function headerOnlyReply(id: number, requestFlags: number, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(id, 0);
  // QR=1, keep opcode and RD, RA=1.
  out.writeUInt16BE(0x8000 | (requestFlags & 0x7900) | 0x0080 | (rcode & 0xf), 2);
  return out;
}

/** The largest reply a UDP client accepts: 512, or its EDNS size capped at what we advertise. */
export function udpLimit(query: DnsQuery): number {
  return query.edns ? Math.min(Math.max(512, query.edns.udpSize), ADVERTISED_UDP_SIZE) : 512;
}

/**
 * Header + question (+ OPT) with TC set: the client retries over TCP.
 * Keeps the reply's rcode and AA flag.
 */
export function truncatedReply(reply: Buffer, query: DnsQuery): Buffer {
  const opt = query.edns ? 11 : 0;
  const out = Buffer.alloc(12 + query.questionBytes.length + opt);
  reply.copy(out, 0, 0, 4);
  out[2] = out[2]! | 0x02;
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(query.edns ? 1 : 0, 10);
  query.questionBytes.copy(out, 12);
  if (opt) {
    const at = 12 + query.questionBytes.length;
    out[at] = 0;
    out.writeUInt16BE(41, at + 1);
    out.writeUInt16BE(ADVERTISED_UDP_SIZE, at + 3);
  }
  return out;
}

export function rcodeOf(wire: Buffer): number {
  return wire.length >= 4 ? wire[3]! & 0xf : 2;
}

/** Encodes a name given in dotted text (as the guard produces it: lower case, \DDD escapes). */
export function encodeName(name: string): Buffer {
  const bytes: number[] = [];
  if (name !== '') {
    for (const label of name.split('.')) {
      const octets: number[] = [];
      for (let i = 0; i < label.length; i++) {
        if (label[i] === '\\' && /^\d{3}$/.test(label.slice(i + 1, i + 4))) {
          octets.push(Number(label.slice(i + 1, i + 4)));
          i += 3;
        } else octets.push(label.charCodeAt(i) & 0xff);
      }
      bytes.push(octets.length, ...octets);
    }
  }
  bytes.push(0);
  return Buffer.from(bytes);
}

/** A fresh recursive query for `name` (no EDNS), as a DnsQuery other plugins can serve. */
export function internalQuery(name: string, type: number, klass: number): DnsQuery {
  const question = Buffer.concat([encodeName(name), Buffer.from([type >> 8, type & 0xff, klass >> 8, klass & 0xff])]);
  const header = Buffer.from([0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  return { id: 0, name, type, class: klass, recursionDesired: true, edns: undefined, transport: 'udp', questionBytes: question, raw: Buffer.concat([header, question]) };
}
