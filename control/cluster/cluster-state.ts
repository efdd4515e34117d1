// A read-only, informer-fed view of the cluster shared by the components one
// process hosts (DNS, service proxy, sidecars, gateway, dashboard, rate
// limiter). One informer per kind, one combined revision, and change
// notifications coalesced so a burst of events triggers one recompile.

import type { KubeObject, ResourceType } from '../api/index.ts';
import type { Informer, InformerSet } from '../runtime/index.ts';

export class ClusterState {
  private readonly informers = new Map<ResourceType, Informer>();
  private readonly cache = new Map<ResourceType, { revision: number; items: readonly KubeObject[] }>();
  private readonly listeners = new Set<() => void>();
  private notifyScheduled = false;

  private readonly set: InformerSet;

  /** Views over `informers` (shared with controllers and scheduler); stopping the state stops them. */
  constructor(informers: InformerSet, types: readonly ResourceType[]) {
    this.set = informers;
    for (const type of types) {
      const informer = informers.for(type);
      informer.addHandlers({ onAdd: () => this.changed(), onUpdate: () => this.changed(), onDelete: () => this.changed() });
      this.informers.set(type, informer);
    }
  }

  start(): void {
    this.set.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  /** A stable snapshot array for a kind: the same array until the kind changes. */
  list<T extends KubeObject>(type: ResourceType<T>): readonly T[] {
    const informer = this.informers.get(type);
    if (!informer) throw new Error(`control/cluster: ${type.plural} is not watched by this ClusterState`);
    const cached = this.cache.get(type);
    if (cached && cached.revision === informer.revision()) return cached.items as readonly T[];
    const items = Object.freeze(informer.list());
    this.cache.set(type, { revision: informer.revision(), items });
    return items as readonly T[];
  }

  get<T extends KubeObject>(type: ResourceType<T>, namespace: string | undefined, name: string): T | undefined {
    return this.informers.get(type)?.get(namespace, name) as T | undefined;
  }

  revision(): number {
    let sum = 0;
    for (const informer of this.informers.values()) sum += informer.revision();
    return sum;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  stop(): void {
    this.set.stop();
    this.listeners.clear();
  }

  private changed(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      for (const listener of [...this.listeners]) {
        try {
          listener();
        } catch (err) {
          process.emitWarning(`control/cluster: state listener failed: ${String(err)}`);
        }
      }
    });
  }
}
