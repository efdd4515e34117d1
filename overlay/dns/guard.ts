// The first stage of the chain: validate a raw packet before anything parses
// it. dns2's parser trusts the header's record counts (a 12-byte packet
// claiming 65535 records costs it about a second), so nothing reaches it, or
// any plugin, unless this walk over the bytes succeeded: a standard query
// (QR=0, opcode 0) with exactly one question, no answer/authority records,
// at most one additional record which must be an EDNS OPT, every length
// inside the packet, and nothing after the last record.

import type { DnsQuery } from './message.ts';
import { RCODE, RR_TYPE } from './message.ts';

export const MAX_QUERY_BYTES = 4096;
const MAX_NAME_BYTES = 255;

export type GuardResult =
  | { kind: 'query'; query: DnsQuery }
  /** Well-formed header but unacceptable content: answer with this rcode and no records. */
  | { kind: 'reject'; id: number; flags: number; rcode: number }
  /** Not worth an answer (too short, a response, oversized): drop silently. */
  | { kind: 'drop' };

const DROP: GuardResult = { kind: 'drop' };

export function guardPacket(raw: Buffer, transport: 'udp' | 'tcp'): GuardResult {
  const length = raw.length;
  if (length < 12 || length > MAX_QUERY_BYTES) return DROP;
  const flags = raw.readUInt16BE(2);
  if (flags & 0x8000) return DROP; // a response: answering could start a loop
  const id = raw.readUInt16BE(0);
  const reject = (rcode: number): GuardResult => ({ kind: 'reject', id, flags, rcode });
  if (((flags >> 11) & 0xf) !== 0) return reject(RCODE.NOTIMP);
  const qdcount = raw.readUInt16BE(4);
  const ancount = raw.readUInt16BE(6);
  const nscount = raw.readUInt16BE(8);
  const arcount = raw.readUInt16BE(10);
  if (qdcount !== 1 || ancount !== 0 || nscount !== 0 || arcount > 1) return reject(RCODE.FORMERR);

  // Question name: uncompressed labels of 1..63 bytes, 255 bytes in all.
  let offset = 12;
  let name = '';
  for (;;) {
    if (offset >= length) return reject(RCODE.FORMERR);
    const labelLength = raw[offset]!;
    if (labelLength === 0) {
      offset++;
      break;
    }
    if (labelLength > 63) return reject(RCODE.FORMERR);
    if (offset + 1 + labelLength - 12 > MAX_NAME_BYTES - 1 || offset + 1 + labelLength > length) return reject(RCODE.FORMERR);
    if (name !== '') name += '.';
    name += labelText(raw, offset + 1, labelLength);
    offset += 1 + labelLength;
  }
  if (offset + 4 > length) return reject(RCODE.FORMERR);
  const type = raw.readUInt16BE(offset);
  const klass = raw.readUInt16BE(offset + 2);
  offset += 4;
  const questionBytes = raw.subarray(12, offset);

  let edns: DnsQuery['edns'];
  if (arcount === 1) {
    // OPT: root owner name, type 41, class = UDP size, TTL = ext-rcode/version/flags, then options.
    if (offset + 11 > length || raw[offset] !== 0 || raw.readUInt16BE(offset + 1) !== RR_TYPE.OPT) return reject(RCODE.FORMERR);
    const udpSize = raw.readUInt16BE(offset + 3);
    const version = raw[offset + 6]!;
    const dnssecOk = (raw.readUInt16BE(offset + 7) & 0x8000) !== 0;
    const rdLength = raw.readUInt16BE(offset + 9);
    offset += 11;
    const end = offset + rdLength;
    if (end > length) return reject(RCODE.FORMERR);
    while (offset < end) {
      if (offset + 4 > end) return reject(RCODE.FORMERR);
      offset += 4 + raw.readUInt16BE(offset + 2);
    }
    if (offset !== end) return reject(RCODE.FORMERR);
    edns = { udpSize: Math.max(512, udpSize), version, dnssecOk };
  }
  if (offset !== length) return reject(RCODE.FORMERR);
  if (type === RR_TYPE.OPT || type === 0) return reject(RCODE.FORMERR);

  return {
    kind: 'query',
    query: { id, name, type, class: klass, recursionDesired: (flags & 0x0100) !== 0, edns, transport, questionBytes, raw },
  };
}

/** Lower-cased ASCII label text; bytes that would be ambiguous in dotted text are escaped as \DDD. */
function labelText(raw: Buffer, start: number, length: number): string {
  let text = '';
  for (let i = start; i < start + length; i++) {
    let c = raw[i]!;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) text += String.fromCharCode(c);
    else text += '\\' + String(c).padStart(3, '0');
  }
  return text;
}
