// The only file that touches dns2. It encodes reply values into wire
// messages and reads TTLs out of upstream answers. dns2 is not handed raw
// client packets: the guard validates them first (see guard.ts), and the
// question is spliced in from the client's own bytes so letter case and any
// escaped labels survive untouched.

import { createRequire } from 'node:module';
import { isWellFormedMessage } from './message-check.ts';
import type { DnsQuery, DnsRecord, DnsReply } from './message.ts';
import { RR_TYPE } from './message.ts';

/** The UDP payload size meshlet advertises in its OPT record (the DNS flag day 2020 value). */
export const ADVERTISED_UDP_SIZE = 1232;

interface Dns2Resource {
  name: string;
  type: number;
  class: number;
  ttl: number;
  [field: string]: unknown;
}

interface Dns2Packet {
  header: Record<string, number>;
  questions: { name: string; type: number; class: number }[];
  answers: Dns2Resource[];
  authorities: Dns2Resource[];
  additionals: Dns2Resource[];
  toBuffer(): Buffer;
}

interface Dns2PacketModule {
  new (): Dns2Packet;
  parse(buffer: Buffer): Dns2Packet;
}

const require = createRequire(import.meta.url);
const Packet = require('dns2/packet.js') as Dns2PacketModule;

function toDns2(record: DnsRecord): Dns2Resource {
  const base = { name: record.name, type: record.type, class: 1, ttl: record.ttl };
  switch (record.type) {
    case RR_TYPE.A:
      return { ...base, address: record.address };
    case RR_TYPE.CNAME:
    case RR_TYPE.PTR:
      return { ...base, domain: record.target };
    case RR_TYPE.NS:
      return { ...base, ns: record.target };
    case RR_TYPE.TXT:
      return { ...base, data: record.text };
    case RR_TYPE.SRV:
      return { ...base, priority: record.priority, weight: record.weight, port: record.port, target: record.target };
    case RR_TYPE.SOA:
      return {
        ...base,
        primary: record.primary,
        admin: record.admin,
        serial: record.serial >>> 0,
        refresh: record.refresh,
        retry: record.retry,
        expiration: record.expire,
        minimum: record.minimum,
      };
  }
}

/** The OPT pseudo-record: class = our UDP size, TTL carries the upper 8 bits of the rcode. */
function optRecord(rcode: number): Dns2Resource {
  return { name: '', type: RR_TYPE.OPT, class: ADVERTISED_UDP_SIZE, ttl: ((rcode >> 4) & 0xff) * 0x1000000, rdata: [] };
}

/** Encodes a complete reply message for `query` (its ID, RD bit and question bytes). */
export function encodeReply(query: DnsQuery, reply: DnsReply): Buffer {
  const packet = new Packet();
  packet.header = {
    id: query.id,
    qr: 1,
    opcode: 0,
    aa: reply.authoritative ? 1 : 0,
    tc: 0,
    rd: query.recursionDesired ? 1 : 0,
    ra: 1,
    z: 0,
    rcode: reply.rcode & 0xf,
  };
  // A root-name placeholder question (5 bytes), replaced below by the client's own question bytes.
  packet.questions = [{ name: '', type: query.type, class: query.class }];
  packet.answers = reply.answers.map(toDns2);
  packet.authorities = reply.authority.map(toDns2);
  packet.additionals = reply.additional.map(toDns2);
  if (query.edns) packet.additionals.push(optRecord(reply.rcode));
  const bytes = packet.toBuffer();
  return Buffer.concat([bytes.subarray(0, 12), query.questionBytes, bytes.subarray(12 + 5)]);
}

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
