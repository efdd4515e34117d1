// The append-only log format: one record per line,
//   <crc32 of the JSON, 8 hex digits> <JSON of {seq, ...record}>\n
// A record counts only when its line is complete and its checksum matches.

import { crc32 } from './crc32.ts';
import type { JournalRecord } from './journal.ts';

export type SequencedRecord = JournalRecord & { seq: number };

export function encodeRecord(record: SequencedRecord): Buffer {
  const json = Buffer.from(JSON.stringify(record), 'utf8');
  const head = Buffer.from(`${crc32(json).toString(16).padStart(8, '0')} `, 'latin1');
  return Buffer.concat([head, json, Buffer.from('\n')]);
}

export interface DecodedSegment {
  records: SequencedRecord[];
  /** Bytes up to the end of the last good record. */
  validBytes: number;
  /** True when bytes after the last good record were dropped. */
  truncated: boolean;
}

/** Decodes records up to the first incomplete or corrupt line; the rest is reported as truncated. */
export function decodeSegment(data: Buffer): DecodedSegment {
  const records: SequencedRecord[] = [];
  let offset = 0;
  while (offset < data.length) {
    const newline = data.indexOf(0x0a, offset);
    if (newline < 0) break;
    const record = decodeLine(data.subarray(offset, newline));
    if (!record) break;
    records.push(record);
    offset = newline + 1;
  }
  return { records, validBytes: offset, truncated: offset < data.length };
}

function decodeLine(line: Buffer): SequencedRecord | undefined {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const expected = Number.parseInt(line.subarray(0, 8).toString('latin1'), 16);
  const json = line.subarray(9);
  if (!Number.isFinite(expected) || crc32(json) !== expected) return undefined;
  try {
    const parsed = JSON.parse(json.toString('utf8')) as SequencedRecord;
    return typeof parsed.seq === 'number' && typeof parsed.op === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
