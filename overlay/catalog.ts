// The read side of the cluster that the overlay needs: Services, Endpoints,
// Pods and Nodes (the service proxy serves NodePorts on their addresses), plus a revision that moves on every change. The node agent feeds
// it from informers; tests feed a MutableCatalog directly.
//
// Contract: the arrays returned are snapshots the caller must not mutate;
// `revision()` increases whenever any of them changes; listeners run
// synchronously after each change and must not throw.

import type { Endpoints, Node, Pod, Service } from '../control/api/index.ts';

export interface ClusterCatalog {
  services(): readonly Service[];
  endpoints(): readonly Endpoints[];
  pods(): readonly Pod[];
  nodes(): readonly Node[];
  revision(): number;
  /** Returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

type CatalogObject = Service | Endpoints | Pod | Node;
type CatalogKind = 'Service' | 'Endpoints' | 'Pod' | 'Node';

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? 'default'}/${name}`;
}

/** An in-memory ClusterCatalog with upsert/remove: a test double and an informer-fed cache. */
export class MutableCatalog implements ClusterCatalog {
  private readonly byKind: Record<CatalogKind, Map<string, CatalogObject>> = {
    Service: new Map(),
    Endpoints: new Map(),
    Pod: new Map(),
    Node: new Map(),
  };
  private readonly snapshots: Partial<Record<CatalogKind, readonly CatalogObject[]>> = {};
  private readonly listeners = new Set<() => void>();
  private rev = 0;

  services(): readonly Service[] {
    return this.snapshot('Service') as readonly Service[];
  }

  endpoints(): readonly Endpoints[] {
    return this.snapshot('Endpoints') as readonly Endpoints[];
  }

  pods(): readonly Pod[] {
    return this.snapshot('Pod') as readonly Pod[];
  }

  nodes(): readonly Node[] {
    return this.snapshot('Node') as readonly Node[];
  }

  revision(): number {
    return this.rev;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Adds or replaces a Service, Endpoints, Pod or Node (matched by kind, namespace and name). */
  upsert(obj: CatalogObject): void {
    const kind = obj.kind as CatalogKind;
    const map = this.byKind[kind];
    if (!map) throw new TypeError(`overlay/catalog: unsupported kind "${obj.kind}"`);
    map.set(keyOf(obj.metadata.namespace, obj.metadata.name), obj);
    this.changed(kind);
  }

  /** Removes an object; returns false when it was not there. */
  remove(kind: CatalogKind, namespace: string, name: string): boolean {
    const removed = this.byKind[kind].delete(keyOf(namespace, name));
    if (removed) this.changed(kind);
    return removed;
  }

  /** Replaces every object of one kind at once (an informer relist). */
  replaceAll(kind: CatalogKind, objects: readonly CatalogObject[]): void {
    const map = this.byKind[kind];
    map.clear();
    for (const obj of objects) map.set(keyOf(obj.metadata.namespace, obj.metadata.name), obj);
    this.changed(kind);
  }

  private snapshot(kind: CatalogKind): readonly CatalogObject[] {
    let snap = this.snapshots[kind];
    if (!snap) {
      snap = Object.freeze([...this.byKind[kind].values()]);
      this.snapshots[kind] = snap;
    }
    return snap;
  }

  private changed(kind: CatalogKind): void {
    this.rev++;
    delete this.snapshots[kind];
    for (const listener of [...this.listeners]) listener();
  }
}
