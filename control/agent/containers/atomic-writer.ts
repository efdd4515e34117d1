// Writes a configMap/secret/downwardAPI/projected volume the way the kubelet's
// AtomicWriter does, so programs that watch these files behave as on a real
// node:
//
//   <dir>/..2026_12_03_10_00_00.123456789/<files>   one generation of the payload
//   <dir>/..data -> ..2026_12_03_…                   switched by rename(2): atomic
//   <dir>/<top-level entry> -> ..data/<entry>        stable names users open
//
// An update writes a new generation, points a temporary symlink at it and
// renames that over ..data, so a reader sees the old files or the new ones,
// never a mix; then it fixes the per-entry symlinks and removes the old
// generation. A subPath mount bound to a file of the old generation keeps
// that file (its inode), as in Kubernetes.

import { randomInt } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { ContainerRuntimeError } from './errors.ts';
import type { VolumeFile } from './types.ts';

const DATA_LINK = '..data';
const DATA_LINK_TMP = '..data_tmp';

/** Checks a payload path as the kubelet does: relative, no `..` element, not starting with `..`. */
export function checkPayloadPath(path: string): string | undefined {
  if (path === '') return 'invalid path: must not be empty';
  if (path.startsWith('/')) return `invalid path: must be relative path: ${path}`;
  if (path.split('/').includes('..')) return `invalid path: must not contain '..': ${path}`;
  if (path.startsWith('..')) return `invalid path: must not start with '..': ${path}`;
  return undefined;
}

function generationName(now: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}`;
  return `..${stamp}.${randomInt(1e9)}`;
}

function currentGeneration(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, DATA_LINK));
  } catch {
    return undefined;
  }
}

/** Whether the generation on disk already holds exactly this payload (contents and modes). */
function samePayload(dir: string, generation: string, files: readonly VolumeFile[]): boolean {
  const root = join(dir, generation);
  const listed = new Set<string>();
  const walk = (rel: string): boolean => {
    for (const name of readdirSync(join(root, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      if (lstatSync(join(root, path)).isDirectory()) {
        if (!walk(path)) return false;
      } else {
        listed.add(path);
      }
    }
    return true;
  };
  try {
    walk('');
    if (listed.size !== files.length) return false;
    for (const f of files) {
      const path = normalize(f.path);
      if (!listed.has(path)) return false;
      const full = join(root, path);
      if ((lstatSync(full).mode & 0o7777) !== f.mode) return false;
      if (!readFileSync(full).equals(Buffer.from(f.content))) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `dir` hold `files` (creating it if needed); returns false when it
 * already did. Throws ContainerRuntimeError MESHLET_VOLUME_PAYLOAD for a bad path.
 */
export function writeAtomically(dir: string, files: readonly VolumeFile[], now = new Date()): boolean {
  for (const f of files) {
    const problem = checkPayloadPath(f.path);
    if (problem) throw new ContainerRuntimeError('MESHLET_VOLUME_PAYLOAD', `agent/containers: ${problem}`);
  }
  mkdirSync(dir, { recursive: true });
  const old = currentGeneration(dir);
  if (old && samePayload(dir, old, files)) return false;

  const generation = generationName(now);
  const root = join(dir, generation);
  mkdirSync(root, { mode: 0o755 });
  for (const f of files) {
    const full = join(root, normalize(f.path));
    mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
    writeFileSync(full, f.content, { mode: f.mode });
    chmodSync(full, f.mode); // the umask must not narrow the mode the pod asked for
  }
  chmodSync(root, 0o755);

  const tmpLink = join(dir, DATA_LINK_TMP);
  rmSync(tmpLink, { force: true });
  symlinkSync(generation, tmpLink);
  renameSync(tmpLink, join(dir, DATA_LINK));

  const entries = new Set(files.map((f) => normalize(f.path).split('/')[0]!));
  for (const entry of entries) {
    const link = join(dir, entry);
    let present = false;
    try {
      present = lstatSync(link).isSymbolicLink();
    } catch {
      // not there yet
    }
    if (!present) symlinkSync(join(DATA_LINK, entry), link);
  }
  for (const name of readdirSync(dir)) {
    if (name.startsWith('..')) {
      if (name !== DATA_LINK && name !== generation) rmSync(join(dir, name), { recursive: true, force: true });
      continue;
    }
    if (!entries.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
  return true;
}
