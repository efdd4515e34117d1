// The only file that touches dns2: it decodes upstream replies (their TTLs
// for the cache, their records for ExternalName answers). dns2 never sees a
// client packet, and an upstream reply only after message-check.ts found it
// well formed (dns2 trusts header counts and follows compression pointers
// without a loop check). Replies are encoded by encoder.ts: dns2's encoder
// measured 200–400 µs per reply.

import { createRequire } from 'node:module';
import { isWellFormedMessage } from './message-check.ts';
import type { DnsRecord } from './message.ts';
import { RR_TYPE } from './message.ts';

interface Dns2Resource {
  name: string;
  type: number;
  class: number;
  ttl: number;
  [field: string]: unknown;
}

interface Dns2Packet {
  answers: Dns2Resource[];
  authorities: Dns2Resource[];
  additionals: Dns2Resource[];
}

interface Dns2PacketModule {
  parse(buffer: Buffer): Dns2Packet;
}

const require = createRequire(import.meta.url);
const Packet = require('dns2/packet.js') as Dns2PacketModule;

/** Parses an upstream reply with dns2 after the structural check; undefined when it fails. */
function parseUpstream(wire: Buffer): Dns2Packet | undefined {
  if (!isWellFormedMessage(wire)) return undefined;
  try {
    return Packet.parse(wire);
  } catch {
    return undefined;
  }
}

/** The smallest TTL among an upstream reply's records (OPT excluded), or undefined when it has none or is malformed. */
export function minimumTtl(wire: Buffer): number | undefined {
  const packet = parseUpstream(wire);
  if (!packet) return undefined;
  let min: number | undefined;
  for (const rr of [...packet.answers, ...packet.authorities, ...packet.additionals]) {
    if (rr.type === RR_TYPE.OPT) continue;
    const ttl = rr.type === RR_TYPE.SOA && typeof rr['minimum'] === 'number' ? Math.min(rr.ttl, rr['minimum']) : rr.ttl;
    if (min === undefined || ttl < min) min = ttl;
  }
  return min;
}

/** The answer records of an upstream reply that meshlet can re-encode (A, CNAME, PTR, NS, TXT, SRV). */
export function answerRecords(wire: Buffer): DnsRecord[] {
  const packet = parseUpstream(wire);
  const records: DnsRecord[] = [];
  for (const rr of packet?.answers ?? []) {
    const base = { name: rr.name.toLowerCase(), ttl: rr.ttl };
    const text = (field: string): string => String(rr[field] ?? '');
    switch (rr.type) {
      case RR_TYPE.A:
        records.push({ ...base, type: RR_TYPE.A, address: text('address') });
        break;
      case RR_TYPE.CNAME:
      case RR_TYPE.PTR:
        records.push({ ...base, type: rr.type, target: text('domain') });
        break;
      case RR_TYPE.NS:
        records.push({ ...base, type: RR_TYPE.NS, target: text('ns') });
        break;
      case RR_TYPE.TXT:
        records.push({ ...base, type: RR_TYPE.TXT, text: text('data') });
        break;
      case RR_TYPE.SRV:
        records.push({ ...base, type: RR_TYPE.SRV, priority: Number(rr['priority']), weight: Number(rr['weight']), port: Number(rr['port']), target: text('target') });
        break;
    }
  }
  return records;
}
