// The file-backed store: the in-process store plus a journal in `dataDir`
// (snapshot.json + wal-*.log). Opening recovers the state, writes a fresh
// snapshot and starts a new log segment. One process per directory (LOCK).

import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { MeshletError } from '../api/index.ts';
import type { Clock } from '../api/index.ts';
import { FileJournal, syncDir } from './file-journal.ts';
import { recover } from './file-recovery.ts';
import { MemoryStore } from './memory-store.ts';
import type { MemoryStoreInternals, MemoryStoreOptions } from './memory-store.ts';

export interface FileStoreOptions {
  dataDir: string;
  clock?: Clock;
  historyLimit?: number;
  /** Log records between snapshots. Default 10000. */
  snapshotEvery?: number;
  /** fdatasync each commit batch. Default true; false only to measure what durability costs. */
  sync?: boolean;
}

export const LOCK_FILE = 'LOCK';

/** Counters of the journal, for status pages and benchmarks. */
export interface JournalStats {
  /** Log records written. */
  records: number;
  /** Write+fdatasync rounds; records / syncs is the group-commit batch size. */
  syncs: number;
  snapshots: number;
}

export class FileStore extends MemoryStore {
  constructor(options: MemoryStoreOptions, internals: MemoryStoreInternals, private readonly fileJournal: FileJournal) {
    super(options, internals);
  }

  journalStats(): JournalStats {
    return { ...this.fileJournal.stats };
  }

  /** Writes a snapshot now and drops the log it covers (also happens every `snapshotEvery` records). */
  snapshot(): Promise<void> {
    return this.fileJournal.snapshot();
  }
}

export async function openFileStore(options: FileStoreOptions): Promise<FileStore> {
  const dir = path.resolve(options.dataDir);
  await mkdir(dir, { recursive: true });
  const releaseLock = await acquireLock(dir);
  let journal: FileJournal | undefined;
  try {
    const recovered = await recover(dir);
    journal = await FileJournal.open({
      dir,
      lastSeq: recovered.lastSeq,
      generation: recovered.nextGeneration,
      oldSegments: recovered.segments,
      snapshotEvery: Math.max(1, options.snapshotEvery ?? 10_000),
      sync: options.sync ?? true,
    });
    const memoryOptions: MemoryStoreOptions = {};
    if (options.clock) memoryOptions.clock = options.clock;
    if (options.historyLimit !== undefined) memoryOptions.historyLimit = options.historyLimit;
    const opened = journal;
    const store = new FileStore(
      memoryOptions,
      {
        backend: 'file',
        journal: opened,
        initial: recovered.state,
        onClose: async () => {
          try {
            await opened.close();
          } finally {
            await releaseLock();
          }
        },
      },
      opened,
    );
    opened.attach(() => store.exportState());
    await opened.snapshot();
    return store;
  } catch (err) {
    await journal?.close().catch(() => undefined);
    await releaseLock();
    throw err;
  }
}

/** Claims the directory for this process; a LOCK left by a dead process (kill -9) is taken over. */
async function acquireLock(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.sync();
      await handle.close();
      await syncDir(dir);
      return async () => {
        await unlink(file).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (owner > 0 && isAlive(owner)) {
        throw new MeshletError('MESHLET_STORE_LOCKED', `control/store: data dir ${dir} is in use by process ${owner}${owner === process.pid ? ' (this process)' : ''}`);
      }
      await unlink(file).catch(() => undefined);
    }
  }
  throw new MeshletError('MESHLET_STORE_LOCKED', `control/store: could not lock data dir ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
