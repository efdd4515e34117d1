// Decodes `application/vnd.kubernetes.protobuf` request bodies into plain
// objects, as their JSON form would read. kubectl's typed clients (the
// `kubectl create <kind>` generators) send protobuf; everything else sends
// JSON. Responses are always JSON (those clients accept it).

import { ApiError } from '../../api/index.ts';
import { readFields, toSigned } from './wire.ts';
import type { WireField } from './wire.ts';
import { MESSAGES, TOP_LEVEL } from './schemas.ts';
import type { FieldDef, Scalar } from './schemas.ts';

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"
/** time.Time{} encodes as 0001-01-01T00:00:00Z, which JSON renders as null. */
const ZERO_TIME_SECONDS = -62135596800;

function unsupported(why: string): never {
  throw new ApiError('UnsupportedMediaType', `apiserver/protobuf: ${why}; send the object as application/json`);
}

function bytesOf(field: WireField, message: string, def: FieldDef): Uint8Array {
  if (!(field.value instanceof Uint8Array)) unsupported(`${message}.${def.name} is not length-delimited`);
  return field.value;
}

function utf8(b: Uint8Array): string {
  return Buffer.from(b).toString('utf8');
}

function scalar(type: Scalar, field: WireField, message: string, def: FieldDef): unknown {
  switch (type) {
    case 'string':
      return utf8(bytesOf(field, message, def));
    case 'bytes':
      return Buffer.from(bytesOf(field, message, def)).toString('base64');
    case 'int32':
    case 'int64':
      if (typeof field.value !== 'bigint') unsupported(`${message}.${def.name} is not a varint`);
      return toSigned(field.value);
    case 'bool':
      return field.value === 1n;
    case 'time': {
      const t = decodeMessage('Time', bytesOf(field, message, def), { Time: { 1: { name: 'seconds', type: 'int64' }, 2: { name: 'nanos', type: 'int32' } } }) as { seconds?: number };
      // An empty Timestamp is how a zero time.Time (JSON null) is marshalled.
      const seconds = t.seconds;
      return seconds === undefined || seconds <= ZERO_TIME_SECONDS ? undefined : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'intOrString': {
      const v = decodeMessage('IntOrString', bytesOf(field, message, def), { IntOrString: { 1: { name: 'type', type: 'int64' }, 2: { name: 'intVal', type: 'int32' }, 3: { name: 'strVal', type: 'string' } } }) as { type?: number; intVal?: number; strVal?: string };
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
    case 'quantity': {
      const q = decodeMessage('Quantity', bytesOf(field, message, def), { Quantity: { 1: { name: 'string', type: 'string' } } }) as { string?: string };
      return q.string ?? '0';
    }
    case 'fieldsV1': {
      const raw = decodeMessage('FieldsV1', bytesOf(field, message, def), { FieldsV1: { 1: { name: 'raw', type: 'string' } } }) as { raw?: string };
      return raw.raw ? (JSON.parse(raw.raw) as unknown) : {};
    }
  }
}

function isZero(v: unknown): boolean {
  return v === undefined || v === '' || v === 0 || v === false;
}

function decodeMessage(message: string, buf: Uint8Array, table: Record<string, Record<number, FieldDef>> = MESSAGES): Record<string, unknown> {
  const fields = table[message];
  if (!fields) unsupported(`message ${message} is not supported`);
  const out: Record<string, unknown> = {};
  for (const field of readFields(buf)) {
    const def = fields[field.number];
    if (!def) unsupported(`field ${field.number} of ${message} is not supported`);
    let value: unknown;
    if (typeof def.type === 'object' && 'message' in def.type) {
      value = decodeMessage(def.type.message, bytesOf(field, message, def), table);
      if (def.inline) {
        Object.assign(out, value);
        continue;
      }
    } else if (typeof def.type === 'object' && 'map' in def.type) {
      const entry = decodeMessage('MapEntry', bytesOf(field, message, def), { MapEntry: { 1: { name: 'key', type: 'string' }, 2: { name: 'value', type: def.type.map } } });
      const map = (out[def.name] ??= {}) as Record<string, unknown>;
      // defineProperty: a key named __proto__ is data, never the map's prototype.
      Object.defineProperty(map, String(entry['key'] ?? ''), { value: entry['value'] ?? (def.type.map === 'quantity' ? '0' : ''), enumerable: true, writable: true, configurable: true });
      continue;
    } else {
      value = scalar(def.type, field, message, def);
    }
    if (def.repeated) {
      ((out[def.name] ??= []) as unknown[]).push(value);
      continue;
    }
    if (isZero(value) && !def.keepZero) continue;
    if (value !== undefined) out[def.name] = value;
  }
  return out;
}

/** Decodes a Kubernetes protobuf envelope into the object's JSON form (apiVersion and kind included). */
export function decodeProtobufObject(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) {
    throw new ApiError('BadRequest', 'apiserver/protobuf: body does not start with the "k8s\\0" protobuf envelope');
  }
  const envelope = decodeMessage('Unknown', body.subarray(4));
  const typeMeta = (envelope['typeMeta'] ?? {}) as { apiVersion?: string; kind?: string };
  const key = `${typeMeta.apiVersion ?? ''}/${typeMeta.kind ?? ''}`;
  const message = TOP_LEVEL[key];
  if (!message) unsupported(`protobuf bodies of ${key} are not supported`);
  const raw = envelope['raw'];
  const object = decodeMessage(message, typeof raw === 'string' ? Buffer.from(raw, 'base64') : new Uint8Array());
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...object };
}
