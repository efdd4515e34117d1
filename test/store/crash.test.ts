// kill -9 at a random point loses no acknowledged write of the file-backed store.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { openFileStore } from '../../control/store/index.ts';

const fixture = fileURLToPath(new URL('./fixtures/file-store-writer.ts', import.meta.url));

interface Run {
  acked: string[];
  signal: NodeJS.Signals | null;
}

/** Starts the writer, waits for `killAfter` acknowledgements, then SIGKILLs it. */
function runAndKill(dataDir: string, round: number, killAfter: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import=tsx', fixture, dataDir, String(round), '40'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: string[] = [];
    let buffered = '';
    let stderr = '';
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer made only ${acked.length} acknowledgements in 15 s; stderr: ${stderr}`));
    }, 15_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('/crash/')) acked.push(line);
      if (acked.length >= killAfter && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(deadline);
      resolve({ acked, signal });
    });
  });
}

void t.test('every acknowledged write survives SIGKILL, across repeated crashes', async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'meshlet-crash-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const allAcked: string[] = [];
  for (let round = 0; round < 3; round++) {
    const killAfter = 100 + Math.floor(Math.random() * 600);
    const run = await runAndKill(dataDir, round, killAfter);
    t.equal(run.signal, 'SIGKILL', `round ${round}: writer was killed (after ${run.acked.length} acks, target ${killAfter})`);
    t.ok(run.acked.length >= killAfter, `round ${round}: got the acknowledgements before the kill`);
    allAcked.push(...run.acked);

    const store = await openFileStore({ dataDir });
    const missing: string[] = [];
    const lostUpdates: string[] = [];
    for (const key of allAcked) {
      const kv = await store.get<{ i: number; updated?: boolean }>(key);
      if (!kv) missing.push(key);
      // Keys with i % 5 === 4 were printed only after their update was acknowledged too.
      else if (kv.value.i % 5 === 4 && kv.value.updated !== true) lostUpdates.push(key);
    }
    t.same(missing.slice(0, 10), [], `round ${round}: all ${allAcked.length} acknowledged keys present`);
    t.same(lostUpdates.slice(0, 10), [], `round ${round}: acknowledged updates present`);
    const rev = await store.currentRevision();
    t.ok(rev >= allAcked.length, `round ${round}: revision ${rev} covers the writes`);
    await store.close();
  }
});
