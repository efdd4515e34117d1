// The file backend's journal: an append-only log with group commit, and
// periodic snapshots that let old log segments be deleted.
//
// Group commit: appends queue up while a write+fdatasync is in flight; the
// next flush writes the whole queue with one fdatasync, so N concurrent
// writers cost one sync, not N. A record's promise resolves only after the
// sync that covers it.
//
// Snapshot: between flushes (nothing in flight), the store's state is taken
// synchronously — it holds exactly the records appended so far, `seq` — and
// the log moves to a new segment. The snapshot is then written to a temp file,
// synced and renamed over the old one, and only then are older segments
// removed. A crash at any step leaves either the old snapshot with all its
// segments or the new snapshot (whose seq makes replay skip what it holds).

import { open, rename, unlink, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Journal, JournalRecord, StoreState } from './journal.ts';
import { SNAPSHOT_FILE, segmentName } from './file-recovery.ts';
import type { SnapshotFile } from './file-recovery.ts';
import { encodeRecord } from './wal-format.ts';

interface Pending {
  bytes: Buffer;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface FileJournalOptions {
  dir: string;
  /** Sequence number of the last record already on disk (from recovery). */
  lastSeq: number;
  generation: number;
  /** Segments older than `generation`, deleted once a snapshot covers them. */
  oldSegments: string[];
  /** Records between snapshots. */
  snapshotEvery: number;
  /** fdatasync each batch (off only for benchmarks that want to see the cost). */
  sync: boolean;
}

export class FileJournal implements Journal {
  private seq: number;
  private generation: number;
  private handle: FileHandle | undefined;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private sinceSnapshot = 0;
  private snapshotting: Promise<void> | undefined;
  private rotateRequested = false;
  private obsolete: string[];
  private getState: (() => StoreState) | undefined;
  private failure: unknown;
  /** Counters for status and benchmarks. */
  readonly stats = { records: 0, syncs: 0, snapshots: 0 };

  private constructor(private readonly options: FileJournalOptions) {
    this.seq = options.lastSeq;
    this.generation = options.generation;
    this.obsolete = [...options.oldSegments];
  }

  static async open(options: FileJournalOptions): Promise<FileJournal> {
    const journal = new FileJournal(options);
    journal.handle = await openSegment(options.dir, options.generation);
    return journal;
  }

  /** The store whose state snapshots capture; must be set before the first snapshot. */
  attach(getState: () => StoreState): void {
    this.getState = getState;
  }

  append(record: JournalRecord): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const bytes = encodeRecord({ ...record, seq: ++this.seq });
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ bytes, resolve, reject });
      this.kick();
    });
  }

  /** Takes a snapshot now and drops the segments it covers. */
  async snapshot(): Promise<void> {
    this.rotateRequested = true;
    this.kick();
    await this.idle();
  }

  /** Flushes what is queued, writes a final snapshot and closes the log. */
  async close(): Promise<void> {
    if (!this.failure && this.getState) this.rotateRequested = true;
    this.kick();
    await this.idle();
    this.failure ??= new Error('control/store: journal is closed');
    await this.handle?.close();
    this.handle = undefined;
  }

  private async idle(): Promise<void> {
    while (this.flushing || this.snapshotting) {
      await this.flushing;
      await this.snapshotting;
    }
  }

  private kick(): void {
    if (this.flushing) return;
    if (this.queue.length === 0 && !this.rotateRequested) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (!this.failure) this.kick();
    });
  }

  /** The only writer of the log: batches, syncs, and switches segments, one thing at a time. */
  private async flushLoop(): Promise<void> {
    while (!this.failure && (this.queue.length > 0 || this.rotateRequested)) {
      if (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const handle = this.handle;
          if (!handle) throw new Error('control/store: journal is closed');
          await writeAll(handle, Buffer.concat(batch.map((p) => p.bytes)));
          if (this.options.sync) await handle.datasync();
          this.stats.syncs++;
          this.stats.records += batch.length;
        } catch (err) {
          this.failure = err;
          for (const p of [...batch, ...this.queue]) p.reject(err);
          this.queue = [];
          return;
        }
        for (const p of batch) p.resolve();
        this.sinceSnapshot += batch.length;
      }
      const due = this.rotateRequested || this.sinceSnapshot >= this.options.snapshotEvery;
      if (!due || !this.getState) {
        this.rotateRequested = false;
        continue;
      }
      if (this.snapshotting) {
        // One snapshot at a time; a due rotation waits for the previous one, a periodic one just retries later.
        if (!this.rotateRequested) continue;
        await this.snapshotting;
      }
      this.rotateRequested = false;
      await this.rotate();
    }
  }

  /**
   * Runs inside the flush loop, so nothing is being written: opens the next
   * segment, then captures state and switches in one synchronous step, and
   * writes the snapshot in the background.
   */
  private async rotate(): Promise<void> {
    let next: FileHandle;
    try {
      next = await openSegment(this.options.dir, this.generation + 1);
    } catch {
      return; // Keep logging to the current segment; the next rotation retries.
    }
    const state = (this.getState as () => StoreState)();
    const seq = this.seq;
    const previous = this.handle;
    this.obsolete.push(segmentName(this.generation));
    this.generation++;
    this.handle = next;
    this.sinceSnapshot = 0;
    await previous?.close();
    const covered = [...this.obsolete];
    this.snapshotting = this.writeSnapshot({ format: 1, seq, state })
      .then(async () => {
        await Promise.all(covered.map((name) => unlink(path.join(this.options.dir, name)).catch(() => undefined)));
        this.obsolete = this.obsolete.filter((name) => !covered.includes(name));
        this.stats.snapshots++;
      })
      .catch(() => {
        // The old snapshot and every segment are still there; the next snapshot retries.
      })
      .finally(() => {
        this.snapshotting = undefined;
      });
  }

  private async writeSnapshot(snapshot: SnapshotFile): Promise<void> {
    const dir = this.options.dir;
    const tmp = path.join(dir, `${SNAPSHOT_FILE}.tmp`);
    await writeFile(tmp, JSON.stringify(snapshot));
    const handle = await open(tmp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path.join(dir, SNAPSHOT_FILE));
    await syncDir(dir);
  }
}

async function openSegment(dir: string, generation: number): Promise<FileHandle> {
  const handle = await open(path.join(dir, segmentName(generation)), 'a');
  await syncDir(dir);
  return handle;
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/** Makes a create/rename in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
