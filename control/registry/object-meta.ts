// Helpers for stamping and comparing object metadata.

import { randomBytes, randomUUID } from 'node:crypto';
import type { KubeObject, ObjectInput } from '../api/index.ts';
import { stableStringify } from '../api/index.ts';

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The 5-character suffix Kubernetes appends to generateName. */
export function randomNameSuffix(length = 5): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += NAME_SUFFIX_ALPHABET[bytes[i]! % NAME_SUFFIX_ALPHABET.length];
  return out;
}

export function newUid(): string {
  return randomUUID();
}

/** Everything except metadata and status: what `generation` tracks. */
export function specPart(obj: ObjectInput | KubeObject): string {
  const rest: Record<string, unknown> = { ...obj };
  delete rest.metadata;
  delete rest.status;
  delete rest.apiVersion;
  delete rest.kind;
  return stableStringify(rest);
}

export function deepClone<T>(value: T): T {
  return structuredClone(value);
}

/** `current` with the status of `input`: what a write to the status subresource stores. */
export function withStatus(current: KubeObject, input: ObjectInput): ObjectInput {
  const next = deepClone(current) as ObjectInput;
  next.status = deepClone(input.status);
  return next;
}
