// What a durable backend must record for the in-process store to be rebuilt:
// one record per state change, in order. The in-process store hands each record
// to the journal and acknowledges the write only when `append` resolves.

import type { Entry } from './entry.ts';

export type JournalRecord =
  | { op: 'put'; entry: Entry }
  | { op: 'delete'; key: string; rev: number }
  | { op: 'lease-grant'; id: string; ttl: number }
  | { op: 'lease-revoke'; id: string }
  | { op: 'compact'; rev: number };

export interface Journal {
  /** Resolves once the record (and every record appended before it) is durable. */
  append(record: JournalRecord): Promise<void>;
}

/** The whole state of an in-process store, as a snapshot holds it. */
export interface StoreState {
  revision: number;
  compactedRevision: number;
  entries: Entry[];
  leases: { id: string; ttl: number }[];
  nextLeaseId: number;
}
