// Structural check of a whole DNS message (an upstream reply) before dns2
// parses it: dns2 trusts header counts and follows compression pointers
// without a loop check, so a hostile or broken upstream could stall the
// server. Every name — owner names and the names inside CNAME, NS, PTR, MX,
// SRV and SOA data — must stay inside the message and compress only to
// earlier offsets (which rules out loops); every record must fit.

const MAX_RECORDS = 256;

/** Returns the offset after the name at `offset`, or -1 when it is malformed. */
function skipName(wire: Buffer, offset: number): number {
  let end = -1;
  let limit = offset;
  let pos = offset;
  let total = 0;
  for (let hops = 0; hops < 128; hops++) {
    if (pos >= wire.length) return -1;
    const len = wire[pos]!;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= wire.length) return -1;
      const target = ((len & 0x3f) << 8) | wire[pos + 1]!;
      if (end < 0) end = pos + 2;
      if (target >= limit) return -1;
      limit = target;
      pos = target;
      continue;
    }
    if (len > 63) return -1;
    if (len === 0) return end < 0 ? pos + 1 : end;
    total += len + 1;
    if (total > 255) return -1;
    pos += 1 + len;
  }
  return -1;
}

export function isWellFormedMessage(wire: Buffer): boolean {
  if (wire.length < 12) return false;
  const qd = wire.readUInt16BE(4);
  const records = wire.readUInt16BE(6) + wire.readUInt16BE(8) + wire.readUInt16BE(10);
  if (qd !== 1 || records > MAX_RECORDS) return false;
  let offset = skipName(wire, 12);
  if (offset < 0 || offset + 4 > wire.length) return false;
  offset += 4;
  for (let i = 0; i < records; i++) {
    offset = skipName(wire, offset);
    if (offset < 0 || offset + 10 > wire.length) return false;
    const type = wire.readUInt16BE(offset);
    const rdLength = wire.readUInt16BE(offset + 8);
    const rdStart = offset + 10;
    const rdEnd = rdStart + rdLength;
    if (rdEnd > wire.length) return false;
    if (!rdataNamesFit(wire, type, rdStart, rdEnd)) return false;
    offset = rdEnd;
  }
  return true;
}

function rdataNamesFit(wire: Buffer, type: number, start: number, end: number): boolean {
  switch (type) {
    case 1:
      return end - start === 4;
    case 2:
    case 5:
    case 12: {
      const after = skipName(wire, start);
      return after > 0 && after <= end;
    }
    case 15: {
      const after = start + 2 <= end ? skipName(wire, start + 2) : -1;
      return after > 0 && after <= end;
    }
    case 33: {
      const after = start + 6 <= end ? skipName(wire, start + 6) : -1;
      return after > 0 && after <= end;
    }
    case 6: {
      const mname = skipName(wire, start);
      const rname = mname > 0 && mname <= end ? skipName(wire, mname) : -1;
      return rname > 0 && rname + 20 <= end;
    }
    default:
      return true;
  }
}
