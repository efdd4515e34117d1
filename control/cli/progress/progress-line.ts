// One status line that changes over time. On a terminal it is redrawn in
// place; elsewhere (logs, pipes, CI) each change is a new line, at most one
// per interval, so a log does not fill with every intermediate state.

import type { Clock } from '../../api/index.ts';

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

const CLEAR_LINE = '\r\x1b[K';

export class ProgressLine {
  private shown: string | undefined;
  private lastWriteMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly out: ProgressOutput,
    private readonly clock: Clock,
    private readonly minIntervalMs = 1000,
  ) {}

  update(line: string): void {
    if (line === this.shown) return;
    if (this.out.isTTY) {
      this.out.write(`${CLEAR_LINE}${line}`);
      this.shown = line;
      return;
    }
    const now = this.clock.now();
    if (now - this.lastWriteMs < this.minIntervalMs) return;
    this.out.write(`${line}\n`);
    this.shown = line;
    this.lastWriteMs = now;
  }

  /** The last state, always written, ending the line. */
  finish(line: string): void {
    if (this.out.isTTY) this.out.write(`${CLEAR_LINE}${line}\n`);
    else if (line !== this.shown) this.out.write(`${line}\n`);
    this.shown = undefined;
  }
}
