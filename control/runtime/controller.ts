// A controller = a reconciler + a work queue + workers. Event handlers only
// turn events into keys; reconcile(key) re-reads the world and is safe to run
// twice. Returning normally forgets the key's failures; `requeueAfterMs` asks
// to come back later; throwing requeues with backoff, unless the error is a
// TerminalError.

import { MeshletError } from '../api/index.ts';
import { WorkQueue } from './work-queue.ts';
import type { WorkQueueOptions } from './work-queue.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface Reconciler {
  readonly name: string;
  reconcile(key: string): Promise<ReconcileResult | void>;
}

export class TerminalError extends MeshletError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MESHLET_RECONCILE_TERMINAL', message, options);
  }
}

export interface ControllerOptions extends WorkQueueOptions {
  workers?: number;
  onError?: (reconciler: string, key: string, err: unknown) => void;
}

export class Controller {
  readonly queue: WorkQueue;
  readonly reconciler: Reconciler;
  private readonly workers: number;
  private readonly onError: ControllerOptions['onError'];
  private running: Promise<void>[] = [];
  private active = 0;

  constructor(reconciler: Reconciler, options: ControllerOptions = {}) {
    this.reconciler = reconciler;
    this.queue = new WorkQueue(options);
    this.workers = options.workers ?? 1;
    this.onError = options.onError;
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    for (let i = 0; i < this.workers; i++) this.running.push(this.work());
  }

  /** True when no key is queued, running or waiting for a retry. */
  idle(): boolean {
    return this.active === 0 && this.queue.idle();
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await Promise.all(this.running);
    this.running = [];
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.active += 1;
      try {
        const result = await this.reconciler.reconcile(key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        this.onError?.(this.reconciler.name, key, err);
        if (err instanceof TerminalError) this.queue.forget(key);
        else this.queue.addRateLimited(key);
      } finally {
        this.active -= 1;
        this.queue.done(key);
      }
    }
  }
}
