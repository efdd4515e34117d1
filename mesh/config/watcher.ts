// Keeps one proxy's RouteTable current: recompiles when the ConfigSource
// changes (coalescing bursts, within `debounceMs`) and swaps the table in one
// assignment, so a request sees either the old table or the new one.

import type { Clock, Timer } from '../../control/api/index.ts';
import { systemClock } from '../../control/api/index.ts';
import { compileProxyConfig } from './compile.ts';
import type { ProxyIdentity } from './identity.ts';
import { MESH_INPUT_FIELDS } from './inputs.ts';
import type { ConfigSource, MeshSnapshot } from './inputs.ts';
import type { RouteTable } from './table.ts';

export interface RouteTableWatcherOptions {
  source: ConfigSource;
  proxy: ProxyIdentity;
  clock?: Clock;
  /** Delay that coalesces bursts of changes; default 10 ms (must stay well under 100 ms). */
  debounceMs?: number;
  onError?: (err: unknown) => void;
}

const fingerprints = new WeakMap<MeshSnapshot, string>();

/**
 * What the compiled table depends on: every input object's uid and
 * resourceVersion. Cached per snapshot object, so the sidecars sharing one
 * snapshot compute it once. A revision bump from an unrelated object (an
 * Event, a Lease) leaves it unchanged and skips recompiling.
 */
export function inputsFingerprint(snapshot: MeshSnapshot): string {
  let f = fingerprints.get(snapshot);
  if (f === undefined) {
    const parts: string[] = [];
    for (const field of MESH_INPUT_FIELDS) {
      for (const o of snapshot[field]) parts.push(`${o.metadata.uid}:${o.metadata.resourceVersion}`);
      parts.push('|');
    }
    f = parts.join(',');
    fingerprints.set(snapshot, f);
  }
  return f;
}

export class RouteTableWatcher {
  private table: RouteTable;
  private fingerprint: string;
  private timer: Timer | undefined;
  private readonly unsubscribe: () => void;
  private readonly listeners = new Set<(table: RouteTable) => void>();
  private closed = false;

  constructor(private readonly options: RouteTableWatcherOptions) {
    const snapshot = options.source.snapshot();
    this.table = compileProxyConfig(snapshot, options.proxy);
    this.fingerprint = inputsFingerprint(snapshot);
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
    const fingerprint = inputsFingerprint(snapshot);
    if (fingerprint === this.fingerprint) {
      this.table = { ...this.table, revision: snapshot.revision };
      return;
    }
    try {
      this.table = compileProxyConfig(snapshot, this.options.proxy);
      this.fingerprint = fingerprint;
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
