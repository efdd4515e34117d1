// Encodes reply values into wire messages, with name compression. Written
// here rather than taken from dns2: dns2's bit-array writer measured
// 200–400 µs for a one-record reply, which would cap cache misses (every
// name right after a catalog change) at a few thousand queries per second;
// this encoder takes a few microseconds. The question is the client's own
// bytes, so its letter case and any escaped labels survive untouched.

import type { DnsQuery, DnsRecord, DnsReply } from './message.ts';
import { RR_TYPE } from './message.ts';

/** The UDP payload size meshlet advertises in its OPT record (the DNS flag day 2020 value). */
export const ADVERTISED_UDP_SIZE = 1232;

class WireWriter {
  buf = Buffer.allocUnsafe(512);
  length = 0;
  /** Lower-cased name suffix → offset of its first label. */
  private readonly names = new Map<string, number>();

  ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.length++] = value;
  }

  u16(value: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(value, this.length);
    this.length += 2;
  }

  u32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
  }

  bytes(data: Buffer): void {
    this.ensure(data.length);
    data.copy(this.buf, this.length);
    this.length += data.length;
  }

  /** Records the question's labels (at offset 12) as compression targets. */
  rememberQuestion(name: string): void {
    if (name === '') return;
    let offset = 12;
    const labels = name.split('.');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.');
      if (offset < 0x3fff && !this.names.has(suffix)) this.names.set(suffix, offset);
      offset += 1 + this.buf[offset]!;
    }
  }

  /** Writes a dotted name, pointing at an earlier copy of its longest known suffix. */
  name(text: string, compress = true): void {
    if (text === '' || text === '.') {
      this.u8(0);
      return;
    }
    const labels = text.toLowerCase().replace(/\.$/, '').split('.');
    let total = 1;
    for (let i = 0; i < labels.length; i++) {
      const suffix = i === 0 ? labels.join('.') : labels.slice(i).join('.');
      const known = compress ? this.names.get(suffix) : undefined;
      if (known !== undefined) {
        this.u16(0xc000 | known);
        return;
      }
      const label = Buffer.from(unescapeLabel(labels[i]!), 'latin1');
      if (label.length === 0 || label.length > 63) throw new RangeError(`overlay/dns: cannot encode name "${text}": bad label length`);
      total += label.length + 1;
      if (total > 255) throw new RangeError(`overlay/dns: cannot encode name "${text}": longer than 255 bytes`);
      if (this.length < 0x3fff) this.names.set(suffix, this.length);
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

function unescapeLabel(label: string): string {
  return label.includes('\\') ? label.replace(/\\(\d{3})/g, (_, d: string) => String.fromCharCode(Number(d))) : label;
}

function writeRecord(w: WireWriter, record: DnsRecord): void {
  w.name(record.name);
  w.u16(record.type);
  w.u16(1);
  w.u32(record.ttl);
  const lengthAt = w.length;
  w.u16(0);
  switch (record.type) {
    case RR_TYPE.A: {
      const parts = record.address.split('.');
      for (let i = 0; i < 4; i++) w.u8(Number(parts[i]) & 255);
      break;
    }
    case RR_TYPE.CNAME:
    case RR_TYPE.PTR:
    case RR_TYPE.NS:
      w.name(record.target);
      break;
    case RR_TYPE.TXT: {
      const text = Buffer.from(record.text, 'utf8');
      for (let at = 0; at < text.length || at === 0; at += 255) {
        const chunk = text.subarray(at, at + 255);
        w.u8(chunk.length);
        w.bytes(chunk);
        if (text.length === 0) break;
      }
      break;
    }
    case RR_TYPE.SRV:
      w.u16(record.priority);
      w.u16(record.weight);
      w.u16(record.port);
      // RFC 2782: the SRV target is not compressed.
      w.name(record.target, false);
      break;
    case RR_TYPE.SOA:
      w.name(record.primary);
      w.name(record.admin);
      w.u32(record.serial);
      w.u32(record.refresh);
      w.u32(record.retry);
      w.u32(record.expire);
      w.u32(record.minimum);
      break;
  }
  w.buf.writeUInt16BE(w.length - lengthAt - 2, lengthAt);
}

/** Encodes a complete reply message for `query` (its ID, RD bit and question bytes). */
export function encodeReply(query: DnsQuery, reply: DnsReply): Buffer {
  const w = new WireWriter();
  w.u16(query.id);
  const flags = 0x8000 | (reply.authoritative ? 0x0400 : 0) | (query.recursionDesired ? 0x0100 : 0) | 0x0080 | (reply.rcode & 0xf);
  w.u16(flags);
  w.u16(1);
  w.u16(reply.answers.length);
  w.u16(reply.authority.length);
  w.u16(reply.additional.length + (query.edns ? 1 : 0));
  w.bytes(query.questionBytes);
  w.rememberQuestion(query.name);
  for (const record of reply.answers) writeRecord(w, record);
  for (const record of reply.authority) writeRecord(w, record);
  for (const record of reply.additional) writeRecord(w, record);
  if (query.edns) {
    // OPT: root name, class = our UDP size, TTL = extended rcode (upper 8 bits) / version 0 / flags.
    w.u8(0);
    w.u16(RR_TYPE.OPT);
    w.u16(ADVERTISED_UDP_SIZE);
    w.u32(((reply.rcode >> 4) & 0xff) * 0x1000000);
    w.u16(0);
  }
  return w.result();
}
