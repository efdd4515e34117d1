// Keeps one proxy's RouteTable current: recompiles when the ConfigSource
// changes (coalescing bursts, within `debounceMs`) and swaps the table in one
// assignment, so a request sees either the old table or the new one.

import type { Clock, Timer } from '../../control/api/index.ts';
import { systemClock } from '../../control/api/index.ts';
import { compileProxyConfig } from './compile.ts';
import type { ProxyIdentity } from './identity.ts';
import type { ConfigSource } from './inputs.ts';
import type { RouteTable } from './table.ts';

export interface RouteTableWatcherOptions {
  source: ConfigSource;
  proxy: ProxyIdentity;
  clock?: Clock;
  /** Delay that coalesces bursts of changes; default 10 ms (must stay well under 100 ms). */
  debounceMs?: number;
  onError?: (err: unknown) => void;
}

export class RouteTableWatcher {
  private table: RouteTable;
  private timer: Timer | undefined;
  private readonly unsubscribe: () => void;
  private readonly listeners = new Set<(table: RouteTable) => void>();
  private closed = false;

  constructor(private readonly options: RouteTableWatcherOptions) {
    this.table = compileProxyConfig(options.source.snapshot(), options.proxy);
    this.unsubscribe = options.source.onChange(() => this.schedule());
  }

  current(): RouteTable {
    return this.table;
  }

  onUpdate(listener: (table: RouteTable) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Recompiles now (used by tests and after schedule fires). */
  refresh(): void {
    if (this.closed) return;
    const snapshot = this.options.source.snapshot();
    if (snapshot.revision === this.table.revision) return;
    try {
      this.table = compileProxyConfig(snapshot, this.options.proxy);
    } catch (err) {
      this.options.onError?.(err);
      return;
    }
    for (const l of [...this.listeners]) l(this.table);
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = (this.options.clock ?? systemClock).setTimer(this.options.debounceMs ?? 10, () => {
      this.timer = undefined;
      this.refresh();
    });
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.unsubscribe();
    this.listeners.clear();
  }
}
