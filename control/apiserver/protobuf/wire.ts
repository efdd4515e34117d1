// Protocol-buffers wire reading: varints, fixed-width and length-delimited
// fields. Values are returned raw; schemas.ts gives them names and types.

import { ApiError } from '../../api/index.ts';

export interface WireField {
  number: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wireType: number;
  /** varint / fixed values as bigint; bytes for length-delimited. */
  value: bigint | Uint8Array;
}

function fail(why: string): never {
  throw new ApiError('BadRequest', `apiserver/protobuf: malformed body: ${why}`);
}

export function readVarint(buf: Uint8Array, at: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length && shift < 70n; i++) {
    const byte = buf[i]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, i + 1];
    shift += 7n;
  }
  return fail('truncated varint');
}

export function readFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, afterKey] = readVarint(buf, at);
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (number === 0) fail('field number 0');
    at = afterKey;
    if (wireType === 0) {
      const [v, next] = readVarint(buf, at);
      fields.push({ number, wireType, value: v });
      at = next;
    } else if (wireType === 2) {
      const [len, start] = readVarint(buf, at);
      const end = start + Number(len);
      if (end > buf.length) fail(`field ${number} overruns the message`);
      fields.push({ number, wireType, value: buf.subarray(start, end) });
      at = end;
    } else if (wireType === 1 || wireType === 5) {
      const width = wireType === 1 ? 8 : 4;
      if (at + width > buf.length) fail(`field ${number} overruns the message`);
      let v = 0n;
      for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[at + i]!);
      fields.push({ number, wireType, value: v });
      at += width;
    } else {
      fail(`unsupported wire type ${wireType} for field ${number}`);
    }
  }
  return fields;
}

/** int32 and int64 are both sign-extended to 64 bits on the wire. */
export function toSigned(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}
