// Container log files: runDir/logs/<namespace>_<pod>_<uid>/<container>.log holds
// stdout and stderr of every instance of a container, appended in order. The
// runtime remembers where each instance starts so `previous` reads the instance
// before the current one, and samples the file size over time so `sinceSeconds`
// can skip what was written earlier (to within the sampling interval; lines are
// not timestamped on disk).
//
// Rotation is copy-and-truncate (the writers hold O_APPEND descriptors the
// runtime cannot swap): past the size limit the file is copied to
// `<container>.log.1` and truncated. Offsets kept here are logical (bytes ever
// written); `truncated` maps them onto the current file.

import { copyFileSync, statSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export function podLogDir(runDir: string, namespace: string, pod: string, uid: string): string {
  return join(runDir, 'logs', `${namespace}_${pod}_${uid}`);
}

export function containerLogPath(dir: string, container: string): string {
  return join(dir, `${container}.log`);
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export interface LogInstance {
  /** Logical offset of the instance's first byte. */
  start: number;
  /** Logical end, set once the instance exited. */
  end?: number;
  startedAtMs: number;
}

const MAX_SAMPLES = 4096;
const MAX_INSTANCES = 4;

/** Offsets of one container's instances within its log file, plus size samples over time. */
export class ContainerLogBook {
  readonly instances: LogInstance[] = [];
  private readonly samples: { atMs: number; size: number }[] = [];
  /** Bytes cut from the front of the file by rotation. */
  private truncated = 0;

  constructor(readonly path: string) {}

  /** Bytes ever written (the logical end of the log). */
  logicalSize(): number {
    return this.truncated + fileSize(this.path);
  }

  /** Where a logical offset lies in the current file (0 when it was rotated away). */
  physical(offset: number): number {
    return Math.max(0, offset - this.truncated);
  }

  beginInstance(nowMs: number): void {
    const size = this.logicalSize();
    const last = this.instances[this.instances.length - 1];
    if (last && last.end === undefined) last.end = size;
    this.instances.push({ start: size, startedAtMs: nowMs });
    // Only the current and previous instances are ever read; a crash loop must not grow this.
    if (this.instances.length > MAX_INSTANCES) this.instances.splice(0, this.instances.length - MAX_INSTANCES);
    this.sample(nowMs, size);
  }

  endInstance(nowMs: number): void {
    const last = this.instances[this.instances.length - 1];
    if (!last || last.end !== undefined) return;
    last.end = this.logicalSize();
    this.sample(nowMs, last.end);
  }

  get running(): boolean {
    const last = this.instances[this.instances.length - 1];
    return last !== undefined && last.end === undefined;
  }

  sample(nowMs: number, size = this.logicalSize()): void {
    const last = this.samples[this.samples.length - 1];
    if (last && last.size === size) return;
    this.samples.push({ atMs: nowMs, size });
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
  }

  /** A logical offset at or before the first byte written after `cutoffMs`. */
  offsetAt(cutoffMs: number, floor: number): number {
    let offset = floor;
    for (const s of this.samples) {
      if (s.atMs > cutoffMs) break;
      offset = Math.max(floor, s.size);
    }
    return offset;
  }

  /** Copy-and-truncate when the file outgrew `maxBytes`; returns whether it rotated. */
  rotateIfLarger(maxBytes: number): boolean {
    const size = fileSize(this.path);
    if (size <= maxBytes) return false;
    copyFileSync(this.path, `${this.path}.1`);
    const copied = fileSize(`${this.path}.1`);
    truncateSync(this.path, 0);
    this.truncated += copied;
    return true;
  }
}

export interface ReadLogOptions {
  start: number;
  /** Exclusive end; undefined reads to the end of the file (and beyond, when following). */
  end?: number;
  /** Start within the range at or after this offset (aligned to the next line). */
  notBefore?: number;
  tailLines?: number;
  follow?: boolean;
  signal?: AbortSignal;
  /** Following ends once this is true and the file has been read to its end. */
  isFinished?: () => boolean;
  pollMs?: number;
}

const CHUNK = 64 * 1024;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** Offset where the last `lines` lines of [start, end) begin. */
async function tailOffset(handle: FileHandle, start: number, end: number, lines: number): Promise<number> {
  if (lines <= 0) return end;
  let scanEnd = end;
  if (scanEnd > start) {
    const lastByte = await readAt(handle, scanEnd - 1, 1);
    if (lastByte[0] === 0x0a) scanEnd--;
  }
  let seen = 0;
  let pos = scanEnd;
  while (pos > start) {
    const from = Math.max(start, pos - CHUNK);
    const buf = await readAt(handle, from, pos - from);
    for (let i = buf.length - 1; i >= 0; i--) {
      if (buf[i] === 0x0a && ++seen === lines) return from + i + 1;
    }
    pos = from;
  }
  return start;
}

/** Moves `offset` forward to the start of a line (the byte after a newline). */
async function alignToLine(handle: FileHandle, start: number, offset: number, end: number): Promise<number> {
  if (offset <= start) return start;
  let pos = offset - 1;
  while (pos < end) {
    const buf = await readAt(handle, pos, Math.min(CHUNK, end - pos));
    if (buf.length === 0) break;
    const i = buf.indexOf(0x0a);
    if (i >= 0) return pos + i + 1;
    pos += buf.length;
  }
  return end;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolveSleep) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolveSleep();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function openWhenPresent(path: string, options: ReadLogOptions): Promise<FileHandle | undefined> {
  for (;;) {
    try {
      return await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (!options.follow || options.signal?.aborted || options.isFinished?.()) return undefined;
      await sleep(options.pollMs ?? 100, options.signal);
    }
  }
}

/**
 * Yields text from a log file: chunks that end at a line boundary (a trailing
 * partial line is yielded when the stream ends, or after an idle poll when
 * following; a follower with nothing to read first gets an empty chunk).
 */
export async function* readLogFile(path: string, options: ReadLogOptions): AsyncGenerator<string> {
  const handle = await openWhenPresent(path, options);
  if (!handle) return;
  try {
    const decoder = new StringDecoder('utf8');
    const sizeNow = (await handle.stat()).size;
    const firstEnd = Math.min(options.end ?? sizeNow, sizeNow);
    let pos = options.start;
    if (options.notBefore !== undefined && options.notBefore > pos) pos = await alignToLine(handle, options.start, options.notBefore, firstEnd);
    if (options.tailLines !== undefined) pos = Math.max(pos, await tailOffset(handle, options.start, firstEnd, options.tailLines));
    let carry = '';
    let yielded = false;
    for (;;) {
      const finishedBefore = options.isFinished?.() ?? true;
      const size = (await handle.stat()).size;
      // Rotated underneath a follower: continue from the start of the new file.
      if (size < pos && options.end === undefined) pos = 0;
      const limit = options.end !== undefined ? Math.min(options.end, size) : size;
      let grew = false;
      while (pos < limit) {
        if (options.signal?.aborted) return;
        const buf = await readAt(handle, pos, Math.min(CHUNK, limit - pos));
        if (buf.length === 0) break;
        pos += buf.length;
        grew = true;
        const text = carry + decoder.write(buf);
        const cut = text.lastIndexOf('\n') + 1;
        carry = text.slice(cut);
        if (cut > 0) {
          yielded = true;
          yield text.slice(0, cut);
        }
      }
      if (!options.follow || options.end !== undefined || options.signal?.aborted) break;
      if (!grew && finishedBefore) break;
      // A follower with nothing to read yet still gets a (empty) first chunk, so an
      // HTTP server streaming it can send its headers at once.
      if (!yielded) {
        yielded = true;
        yield '';
      }
      if (!grew && carry) {
        yield carry;
        carry = '';
      }
      await sleep(options.pollMs ?? 100, options.signal);
      if (options.signal?.aborted) return;
    }
    carry += decoder.end();
    if (carry && !options.signal?.aborted) yield carry;
  } finally {
    await handle.close();
  }
}
