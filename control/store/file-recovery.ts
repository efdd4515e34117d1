// Rebuilding the file-backed store's state at open: load the snapshot, then
// replay every log segment in order, skipping records the snapshot already
// holds. A torn tail (a write cut short by a crash) can only be in the newest
// segment and only holds unacknowledged writes: it is cut off on disk. Damage
// anywhere else is corruption and stops the open.

import { open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MeshletError } from '../api/index.ts';
import type { Entry } from './entry.ts';
import type { StoreState } from './journal.ts';
import { decodeSegment } from './wal-format.ts';
import type { SequencedRecord } from './wal-format.ts';

export const SNAPSHOT_FILE = 'snapshot.json';
const SEGMENT_PATTERN = /^wal-(\d{12})\.log$/;

export function segmentName(generation: number): string {
  return `wal-${String(generation).padStart(12, '0')}.log`;
}

export interface SnapshotFile {
  format: 1;
  /** Last log sequence number the state includes. */
  seq: number;
  state: StoreState;
}

export interface Recovered {
  state: StoreState;
  lastSeq: number;
  /** Existing segment files, oldest first. */
  segments: string[];
  nextGeneration: number;
  /** Bytes of torn tail cut off the newest segment. */
  truncatedBytes: number;
}

export async function listSegments(dir: string): Promise<{ name: string; generation: number }[]> {
  const names = await readdir(dir);
  return names
    .map((name) => ({ name, match: SEGMENT_PATTERN.exec(name) }))
    .filter((x): x is { name: string; match: RegExpExecArray } => x.match !== null)
    .map((x) => ({ name: x.name, generation: Number(x.match[1]) }))
    .sort((a, b) => a.generation - b.generation);
}

export async function recover(dir: string): Promise<Recovered> {
  const snapshot = await readSnapshot(dir);
  const replay = new Replay(snapshot?.state);
  let lastSeq = snapshot?.seq ?? 0;
  const segments = await listSegments(dir);
  let truncatedBytes = 0;
  for (let i = 0; i < segments.length; i++) {
    const { name } = segments[i] as { name: string };
    const file = path.join(dir, name);
    const data = await readFile(file);
    const decoded = decodeSegment(data);
    if (decoded.truncated) {
      if (i !== segments.length - 1) {
        throw new MeshletError('MESHLET_STORE_CORRUPT', `control/store: log segment ${file} is damaged at byte ${decoded.validBytes} (not the newest segment)`);
      }
      truncatedBytes = data.length - decoded.validBytes;
      await truncateDurably(file, decoded.validBytes);
    }
    for (const record of decoded.records) {
      if (record.seq <= lastSeq) continue;
      replay.apply(record);
      lastSeq = record.seq;
    }
  }
  const last = segments[segments.length - 1];
  return {
    state: replay.result(),
    lastSeq,
    segments: segments.map((s) => s.name),
    nextGeneration: last ? last.generation + 1 : 1,
    truncatedBytes,
  };
}

async function readSnapshot(dir: string): Promise<SnapshotFile | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, SNAPSHOT_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as SnapshotFile;
    if (parsed.format !== 1 || typeof parsed.seq !== 'number') throw new Error(`unknown snapshot format ${String(parsed.format)}`);
    return parsed;
  } catch (err) {
    throw new MeshletError('MESHLET_STORE_CORRUPT', `control/store: snapshot ${path.join(dir, SNAPSHOT_FILE)} is unreadable`, { cause: err });
  }
}

async function truncateDurably(file: string, length: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

class Replay {
  private revision = 1;
  private compactedRevision = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly leases = new Map<string, number>();
  private nextLeaseId = 1;

  constructor(initial: StoreState | undefined) {
    if (!initial) return;
    this.revision = initial.revision;
    this.compactedRevision = initial.compactedRevision;
    for (const entry of initial.entries) this.entries.set(entry.key, entry);
    for (const lease of initial.leases) this.leases.set(lease.id, lease.ttl);
    this.nextLeaseId = initial.nextLeaseId;
  }

  apply(record: SequencedRecord): void {
    switch (record.op) {
      case 'put':
        this.entries.set(record.entry.key, record.entry);
        this.revision = Math.max(this.revision, record.entry.modRevision);
        break;
      case 'delete':
        this.entries.delete(record.key);
        this.revision = Math.max(this.revision, record.rev);
        break;
      case 'lease-grant': {
        this.leases.set(record.id, record.ttl);
        const numeric = Number.parseInt(record.id, 16);
        if (Number.isFinite(numeric)) this.nextLeaseId = Math.max(this.nextLeaseId, numeric + 1);
        break;
      }
      case 'lease-revoke':
        this.leases.delete(record.id);
        break;
      case 'compact':
        this.compactedRevision = Math.max(this.compactedRevision, record.rev);
        break;
    }
  }

  result(): StoreState {
    const entries = [...this.entries.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return {
      revision: this.revision,
      // History does not survive a restart: watches must resume from the recovered revision or relist.
      compactedRevision: Math.max(this.compactedRevision, this.revision),
      entries,
      leases: [...this.leases].map(([id, ttl]) => ({ id, ttl })),
      nextLeaseId: this.nextLeaseId,
    };
  }
}
