// The stored form of a key: the value kept as its JSON text, so the store owns
// an immutable copy, every backend serialises the same way, and each reader
// gets a fresh object it may mutate.

import type { KeyValue, StoreEvent } from '../api/index.ts';

export interface Entry {
  key: string;
  json: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease?: string;
}

export interface EntryEvent {
  type: 'put' | 'delete';
  kv: Entry;
  prev?: Entry;
  revision: number;
}

export function toKeyValue<T>(entry: Entry): KeyValue<T> {
  const kv: KeyValue<T> = {
    key: entry.key,
    value: JSON.parse(entry.json) as T,
    createRevision: entry.createRevision,
    modRevision: entry.modRevision,
    version: entry.version,
  };
  if (entry.lease !== undefined) kv.lease = entry.lease;
  return kv;
}

export function toStoreEvent<T>(event: EntryEvent): StoreEvent<T> {
  const out: StoreEvent<T> = { type: event.type, kv: toKeyValue<T>(event.kv), revision: event.revision };
  if (event.prev) out.prevKv = toKeyValue<T>(event.prev);
  return out;
}

/** JSON text of a value; undefined and non-JSON values are rejected up front rather than stored lossy. */
export function encodeValue(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('control/store: value is not JSON-serialisable');
  return json;
}
