// The 1 MiB cap Kubernetes puts on ConfigMap and Secret payloads
// (core validation's MaxSecretSize): a bigger object would not fit etcd's
// request limit, so it is refused as a 422 before it is stored.

import type { ObjectInput, StatusCause } from '../../api/index.ts';

export const MAX_DATA_BYTES = 1024 * 1024;

function tooLong(field: string): StatusCause {
  return { field, reason: 'FieldValueTooLong', message: `Too long: must have at most ${MAX_DATA_BYTES} bytes` };
}

function stringValues(map: unknown): string[] {
  if (map === null || typeof map !== 'object' || Array.isArray(map)) return [];
  return Object.values(map as Record<string, unknown>).filter((v): v is string => typeof v === 'string');
}

/** Bytes a base64 value decodes to, without decoding it. */
function base64Bytes(value: string): number {
  const clean = value.replace(/[\s=]/g, '');
  return Math.floor((clean.length * 3) / 4);
}

/** data (UTF-8 bytes) plus binaryData (decoded) together; Kubernetes reports it against the whole object (field ""). */
export function validateConfigMap(obj: ObjectInput): StatusCause[] {
  let total = 0;
  for (const v of stringValues(obj['data'])) total += Buffer.byteLength(v, 'utf8');
  for (const v of stringValues(obj['binaryData'])) total += base64Bytes(v);
  return total > MAX_DATA_BYTES ? [tooLong('')] : [];
}

/** data (decoded) plus stringData (which the API server folds into data); reported at `data`. */
export function validateSecret(obj: ObjectInput): StatusCause[] {
  const data = obj['data'] !== null && typeof obj['data'] === 'object' ? (obj['data'] as Record<string, unknown>) : {};
  const plain = obj['stringData'] !== null && typeof obj['stringData'] === 'object' ? (obj['stringData'] as Record<string, unknown>) : {};
  let total = 0;
  for (const [key, v] of Object.entries(data)) if (typeof v === 'string' && !(key in plain)) total += base64Bytes(v);
  for (const v of stringValues(plain)) total += Buffer.byteLength(v, 'utf8');
  return total > MAX_DATA_BYTES ? [tooLong('data')] : [];
}
