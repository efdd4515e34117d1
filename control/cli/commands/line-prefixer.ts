// Puts a prefix before every line of a stream whose chunks split lines
// anywhere, so streams followed in parallel interleave whole lines only.

export interface LineSink {
  push(chunk: string): void;
  /** Writes a last line that had no newline. */
  end(): void;
}

export function linePrefixer(prefix: string, write: (text: string) => void): LineSink {
  let partial = '';
  return {
    push(chunk) {
      const text = partial + chunk;
      const lastNewline = text.lastIndexOf('\n');
      if (lastNewline < 0) {
        partial = text;
        return;
      }
      partial = text.slice(lastNewline + 1);
      const lines = text.slice(0, lastNewline).split('\n');
      write(lines.map((line) => `${prefix}${line}\n`).join(''));
    },
    end() {
      if (partial) write(`${prefix}${partial}\n`);
      partial = '';
    },
  };
}
