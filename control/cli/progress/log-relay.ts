// `up --detach` waits on a background process whose output goes to
// meshlet.log; this passes that process's progress lines on to the waiting
// terminal, so a detached start is not silent either.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface LogRelay {
  /** Reads what was appended since the last poll and writes the matching whole lines. */
  poll(): void;
  close(): void;
}

export function relayLogLines(file: string, fromOffset: number, matches: (line: string) => boolean, write: (text: string) => void): LogRelay {
  const fd = openSync(file, 'r');
  let offset = fromOffset;
  let partial = '';
  return {
    poll() {
      const size = fstatSync(fd).size;
      if (size <= offset) return;
      const buffer = Buffer.alloc(size - offset);
      const read = readSync(fd, buffer, 0, buffer.length, offset);
      offset += read;
      const text = partial + buffer.subarray(0, read).toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      const wanted = lines.filter(matches);
      if (wanted.length) write(wanted.map((l) => `${l}\n`).join(''));
    },
    close() {
      closeSync(fd);
    },
  };
}
