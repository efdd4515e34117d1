// hostPath type checks, as the kubelet makes them before mounting
// (pkg/volume/hostpath): *OrCreate types create what is missing; the others
// must find the right kind of file. Messages are the kubelet's.

import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import type { HostPathType } from '../api/index.ts';

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Throws an Error with the kubelet's message when `path` does not pass `type`'s check. */
export function checkHostPath(path: string, type: HostPathType | undefined): void {
  const st = statOf(path);
  const fail = (what: string): never => {
    throw new Error(`hostPath type check failed: ${path} is not ${what}`);
  };
  switch (type ?? '') {
    case '':
      // As the container runtimes do for a bind source that is missing: a directory.
      if (!st) mkdirSync(path, { recursive: true, mode: 0o755 });
      return;
    case 'DirectoryOrCreate':
      if (!st) mkdirSync(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) fail('a directory');
      return;
    case 'Directory':
      if (!st?.isDirectory()) fail('a directory');
      return;
    case 'FileOrCreate':
      if (!st) closeSync(openSync(path, 'a', 0o644)); // the parent is not created, as in Kubernetes
      else if (st.isDirectory()) fail('a file');
      return;
    case 'File':
      if (!st?.isFile()) fail('a file');
      return;
    case 'Socket':
      if (!st?.isSocket()) fail('a socket file');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) fail('a character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) fail('a block device');
      return;
    default:
      throw new Error(`hostPath type check failed: unknown type ${String(type)}`);
  }
}
