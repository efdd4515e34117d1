// Pods held at Permit. Each Permit plugin that answered Wait must allow the
// pod before it goes on to binding; one rejection, or one plugin's timeout,
// sends it back. Timers come from the injected clock.

import type { Clock, Pod, Timer } from '../api/index.ts';
import type { Status, WaitingPod } from './framework.ts';
import { SUCCESS, unschedulable } from './framework.ts';

/** kube-scheduler caps a Permit wait at 15 minutes. */
export const MAX_PERMIT_TIMEOUT_MS = 15 * 60_000;

/** Go's time.Duration text for whole milliseconds ("10s", "1m30s", "250ms"). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

export class HeldPod implements WaitingPod {
  readonly pod: Pod;
  readonly nodeName: string;
  /** Resolves once every plugin allowed the pod (Success) or one rejected it. */
  readonly outcome: Promise<Status>;
  private readonly pending = new Map<string, Timer>();
  private settle!: (status: Status) => void;
  private settled = false;

  constructor(pod: Pod, nodeName: string, timeouts: ReadonlyMap<string, number>, clock: Clock) {
    this.pod = pod;
    this.nodeName = nodeName;
    this.outcome = new Promise((resolve) => (this.settle = resolve));
    for (const [plugin, requested] of timeouts) {
      const ms = Math.min(Math.max(0, requested), MAX_PERMIT_TIMEOUT_MS);
      this.pending.set(plugin, clock.setTimer(ms, () => this.reject(plugin, `rejected due to timeout after waiting ${formatDuration(ms)} at plugin ${plugin}`)));
    }
  }

  pendingPlugins(): string[] {
    return [...this.pending.keys()];
  }

  allow(plugin: string): void {
    const timer = this.pending.get(plugin);
    if (!timer || this.settled) return;
    timer.cancel();
    this.pending.delete(plugin);
    if (this.pending.size === 0) this.finish(SUCCESS);
  }

  reject(plugin: string, message: string): void {
    if (this.settled) return;
    this.finish({ ...unschedulable(message), plugin });
  }

  private finish(status: Status): void {
    this.settled = true;
    for (const t of this.pending.values()) t.cancel();
    this.pending.clear();
    this.settle(status);
  }
}
