// List-then-watch over a Client for one resource type, keeping a local cache
// and telling handlers what changed. On 410 Gone (or any watch error) it
// relists after a backoff and emits the differences, so handlers see a
// consistent stream even across watch breaks.

import type { Client, KubeObject, ResourceType, Clock, Timer, Watcher } from '../api/index.ts';
import { objectKeyOf, systemClock } from '../api/index.ts';

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  clock?: Clock;
  /** Delay before relisting after a watch failure; doubles up to 5 s. Default 100 ms. */
  relistDelayMs?: number;
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly type: ResourceType<T>;
  private readonly client: Client;
  private readonly options: InformerOptions;
  private readonly clock: Clock;
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly syncWaiters: (() => void)[] = [];
  private watcher: Watcher | undefined;
  private relistTimer: Timer | undefined;
  private synced = false;
  private stopped = false;
  private running = false;
  private failures = 0;
  private lastResourceVersion = '0';
  private changeCounter = 0;

  constructor(client: Client, type: ResourceType<T>, options: InformerOptions = {}) {
    this.client = client;
    this.type = type;
    this.options = options;
    this.clock = options.clock ?? systemClock;
  }

  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
    if (this.synced) for (const obj of this.cache.values()) handlers.onAdd?.(obj);
  }

  /** Starts list-then-watch; calling it again is a no-op (informers are shared). */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.listAndWatch();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Objects currently known, in no particular order. */
  list(): T[] {
    return [...this.cache.values()];
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Increases on every change the cache sees; consumers use it to skip recompiles. */
  revision(): number {
    return this.changeCounter;
  }

  resourceVersion(): string {
    return this.lastResourceVersion;
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    this.relistTimer?.cancel();
  }

  private async listAndWatch(): Promise<void> {
    if (this.stopped) return;
    try {
      const list = await this.client.list<T>(this.type, {
        namespace: this.options.namespace,
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
      });
      if (this.stopped) return;
      this.replace(list.items);
      this.lastResourceVersion = list.metadata.resourceVersion;
      this.markSynced();
      this.watcher = this.client.watch<T>(
        this.type,
        {
          namespace: this.options.namespace,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          resourceVersion: list.metadata.resourceVersion,
          allowBookmarks: true,
        },
        (event) => {
          this.failures = 0;
          if (event.type === 'BOOKMARK') {
            this.lastResourceVersion = event.object.metadata.resourceVersion;
            return;
          }
          if (event.type === 'ERROR') return this.scheduleRelist();
          this.lastResourceVersion = event.object.metadata.resourceVersion;
          if (event.type === 'DELETED') this.remove(event.object);
          else this.upsert(event.object);
        },
        () => this.scheduleRelist(),
      );
    } catch {
      this.scheduleRelist();
    }
  }

  private scheduleRelist(): void {
    if (this.stopped || this.relistTimer) return;
    this.watcher?.close();
    this.watcher = undefined;
    const delay = Math.min(5000, (this.options.relistDelayMs ?? 100) * 2 ** this.failures);
    this.failures += 1;
    this.relistTimer = this.clock.setTimer(delay, () => {
      this.relistTimer = undefined;
      void this.listAndWatch();
    });
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKeyOf(obj));
      this.upsert(obj);
    }
    for (const [key, obj] of [...this.cache]) if (!seen.has(key)) this.remove(obj);
  }

  private upsert(obj: T): void {
    const key = objectKeyOf(obj);
    const old = this.cache.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.cache.set(key, obj);
    this.changeCounter += 1;
    for (const h of this.handlers) {
      try {
        if (old) h.onUpdate?.(old, obj);
        else h.onAdd?.(obj);
      } catch (err) {
        reportHandlerError(this.type, err);
      }
    }
  }

  private remove(obj: T): void {
    const key = objectKeyOf(obj);
    const old = this.cache.get(key);
    if (!old) return;
    this.cache.delete(key);
    this.changeCounter += 1;
    for (const h of this.handlers) {
      try {
        h.onDelete?.(old);
      } catch (err) {
        reportHandlerError(this.type, err);
      }
    }
  }
}

function reportHandlerError(type: ResourceType, err: unknown): void {
  process.emitWarning(`control/runtime: ${type.plural} informer handler failed: ${String(err)}`);
}
