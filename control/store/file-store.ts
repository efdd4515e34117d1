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

export async function openFileStore(options: FileStoreOptions): Promise<MemoryStore> {
  const dir = path.resolve(options.dataDir);
  await mkdir(dir, { recursive: true });
  const releaseLock = await acquireLock(dir);
  try {
    const recovered = await recover(dir);
    const journal = await FileJournal.open({
      dir,
      lastSeq: recovered.lastSeq,
      generation: recovered.nextGeneration,
      oldSegments: recovered.segments,
      snapshotEvery: Math.max(1, options.snapshotEvery ?? 10_000),
      sync: options.sync ?? true,
    });
    const memoryOptions: { clock?: Clock; historyLimit?: number } = {};
    if (options.clock) memoryOptions.clock = options.clock;
    if (options.historyLimit !== undefined) memoryOptions.historyLimit = options.historyLimit;
    const store = new MemoryStore(memoryOptions, {
      backend: 'file',
      journal,
      initial: recovered.state,
      onClose: async () => {
        try {
          await journal.close();
        } finally {
          await releaseLock();
        }
      },
    });
    journal.attach(() => store.exportState());
    await journal.snapshot();
    return store;
  } catch (err) {
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
