// One shared informer per resource type, created on first use, so the pods
// informer feeding the controllers, the scheduler and the in-process views
// (DNS, sidecars, dashboard) is one watch and one cache, not one each.

import type { Client, Clock, KubeObject, ResourceType } from '../api/index.ts';
import { Informer } from './informer.ts';

export class InformerSet {
  private readonly informers = new Map<ResourceType, Informer>();
  private readonly client: Client;
  private readonly clock: Clock | undefined;
  private started = false;

  constructor(client: Client, clock?: Clock) {
    this.client = client;
    this.clock = clock;
  }

  /** The shared informer of a kind, typed by its token (`for(PODS)` is an `Informer<Pod>`). */
  for<T extends KubeObject>(type: ResourceType<T>): Informer<T> {
    let informer = this.informers.get(type);
    if (!informer) {
      informer = new Informer(this.client, type, this.clock ? { clock: this.clock } : {});
      this.informers.set(type, informer);
      if (this.started) informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  /** Starts every informer; ones asked for later start at once. Safe to call again. */
  start(): void {
    this.started = true;
    for (const i of this.informers.values()) i.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  synced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
  }

  stop(): void {
    for (const i of this.informers.values()) i.stop();
  }
}
