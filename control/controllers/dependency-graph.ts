// The garbage collector's view of who owns whom, by uid, kept from informer
// events. It only decides which keys to enqueue; the collector itself checks
// every owner against the API before acting.

import type { OwnerReference } from '../api/index.ts';

export class DependencyGraph {
  private readonly nodes = new Map<string, { key: string; owners: string[] }>();
  private readonly dependents = new Map<string, Set<string>>();

  upsert(uid: string, key: string, ownerReferences: readonly OwnerReference[]): void {
    this.unlink(uid);
    const owners = ownerReferences.map((r) => r.uid);
    this.nodes.set(uid, { key, owners });
    for (const owner of owners) {
      let set = this.dependents.get(owner);
      if (!set) this.dependents.set(owner, (set = new Set()));
      set.add(uid);
    }
  }

  remove(uid: string): void {
    this.unlink(uid);
    this.nodes.delete(uid);
  }

  /** Keys of the objects that name `uid` as an owner. */
  dependentsOf(uid: string): string[] {
    return [...(this.dependents.get(uid) ?? [])].map((d) => this.nodes.get(d)?.key).filter((k): k is string => k !== undefined);
  }

  /** Keys of the known owners among `refs`. */
  ownersOf(refs: readonly OwnerReference[]): string[] {
    return refs.map((r) => this.nodes.get(r.uid)?.key).filter((k): k is string => k !== undefined);
  }

  private unlink(uid: string): void {
    for (const owner of this.nodes.get(uid)?.owners ?? []) {
      const set = this.dependents.get(owner);
      set?.delete(uid);
      if (set?.size === 0) this.dependents.delete(owner);
    }
  }
}
