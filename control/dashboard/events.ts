// Server-Sent Events for the page: a snapshot on connect, then one whenever the source
// reports a change (at most one per throttle interval) and on a slow refresh tick so
// derived rates decay when traffic stops. Unchanged snapshots are not re-sent.
import type { ServerResponse } from 'node:http';
import type { Clock, Timer } from '../api/index.ts';
import type { DashboardSnapshot } from './snapshot.ts';

export interface EventStreamOptions {
  clock: Clock;
  read(): Promise<DashboardSnapshot>;
  /** Minimum gap between pushes caused by changes. Default 250 ms. */
  throttleMs?: number;
  /** Refresh while clients are connected, even without changes. Default 2000 ms. */
  refreshMs?: number;
  /** Comment line keeping idle connections open through proxies. Default 15000 ms. */
  heartbeatMs?: number;
  onError?(err: unknown): void;
}

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private readonly options: Required<EventStreamOptions>;
  private pending: Timer | undefined;
  private refresh: Timer | undefined;
  private heartbeat: Timer | undefined;
  private lastPushMs = Number.NEGATIVE_INFINITY;
  private lastPayload = '';
  private pushing: Promise<void> | undefined;
  private closed = false;

  constructor(options: EventStreamOptions) {
    this.options = { throttleMs: 250, refreshMs: 2000, heartbeatMs: 15_000, onError: () => {}, ...options };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async attach(res: ServerResponse): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopTimers();
    });
    this.startTimers();
    try {
      const snapshot = await this.options.read();
      if (!res.writableEnded) res.write(frame('snapshot', JSON.stringify(snapshot)));
    } catch (err) {
      this.options.onError(err);
    }
  }

  /** The source changed: push soon, throttled. */
  changed(): void {
    if (this.closed || this.clients.size === 0 || this.pending) return;
    const wait = Math.max(0, this.lastPushMs + this.options.throttleMs - this.options.clock.now());
    this.pending = this.options.clock.setTimer(wait, () => {
      this.pending = undefined;
      void this.push();
    });
  }

  close(): void {
    this.closed = true;
    this.stopTimers();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private async push(): Promise<void> {
    if (this.pushing) {
      // A read is in flight; run once more after it so the latest change is not lost.
      await this.pushing;
      if (!this.pending) this.changed();
      return;
    }
    this.lastPushMs = this.options.clock.now();
    this.pushing = (async () => {
      try {
        const snapshot = await this.options.read();
        const { atMs: _atMs, ...content } = snapshot;
        const key = JSON.stringify(content);
        if (key === this.lastPayload) return;
        this.lastPayload = key;
        const data = frame('snapshot', JSON.stringify(snapshot));
        for (const res of this.clients) res.write(data);
      } catch (err) {
        this.options.onError(err);
      }
    })();
    try {
      await this.pushing;
    } finally {
      this.pushing = undefined;
    }
  }

  private startTimers(): void {
    if (this.closed) return;
    if (!this.refresh) {
      const tick = () => {
        this.refresh = this.options.clock.setTimer(this.options.refreshMs, tick);
        void this.push();
      };
      this.refresh = this.options.clock.setTimer(this.options.refreshMs, tick);
    }
    if (!this.heartbeat) {
      const beat = () => {
        this.heartbeat = this.options.clock.setTimer(this.options.heartbeatMs, beat);
        for (const res of this.clients) res.write(': heartbeat\n\n');
      };
      this.heartbeat = this.options.clock.setTimer(this.options.heartbeatMs, beat);
    }
  }

  private stopTimers(): void {
    this.pending?.cancel();
    this.refresh?.cancel();
    this.heartbeat?.cancel();
    this.pending = this.refresh = this.heartbeat = undefined;
  }
}

function frame(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}
