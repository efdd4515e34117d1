// Expectations, as in Kubernetes' ReplicaSet controller: the pods a
// controller created or deleted that its informer cache has not reported
// yet. A reconcile reading the cache adds the first and drops the second, so
// it neither creates a pod twice nor counts a pod it already deleted. The
// pods informer's handlers call observeAdd/observeDelete; entries also expire
// (the event may have been missed across a relist).

import type { Clock, Pod } from '../api/index.ts';
import { systemClock } from '../api/index.ts';

/** Kubernetes' ExpectationsTimeout. */
const EXPECTATION_TTL_MS = 5 * 60_000;

interface Pending {
  creates: Map<string, { pod: Pod; at: number }>;
  deletes: Map<string, number>;
}

export class Expectations {
  private readonly byOwner = new Map<string, Pending>();
  private readonly clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.clock = clock;
  }

  expectCreate(ownerKey: string, pod: Pod): void {
    this.entry(ownerKey).creates.set(pod.metadata.uid, { pod, at: this.clock.now() });
  }

  expectDelete(ownerKey: string, pod: Pod): void {
    this.entry(ownerKey).deletes.set(pod.metadata.uid, this.clock.now());
  }

  /** The cache reported the pod (added, or present on a relist). */
  observeAdd(ownerKey: string, pod: Pod): void {
    this.byOwner.get(ownerKey)?.creates.delete(pod.metadata.uid);
    if (pod.metadata.deletionTimestamp) this.observeDelete(ownerKey, pod);
  }

  /** The cache reported the pod gone or marked for deletion. */
  observeDelete(ownerKey: string, pod: Pod): void {
    const pending = this.byOwner.get(ownerKey);
    if (!pending) return;
    pending.creates.delete(pod.metadata.uid);
    pending.deletes.delete(pod.metadata.uid);
    if (pending.creates.size === 0 && pending.deletes.size === 0) this.byOwner.delete(ownerKey);
  }

  /** `cached` corrected by what is still in flight: created pods added, deleted ones removed. */
  apply(ownerKey: string, cached: readonly Pod[]): Pod[] {
    const pending = this.byOwner.get(ownerKey);
    if (!pending) return [...cached];
    const now = this.clock.now();
    for (const [uid, c] of pending.creates) if (now - c.at > EXPECTATION_TTL_MS) pending.creates.delete(uid);
    for (const [uid, at] of pending.deletes) if (now - at > EXPECTATION_TTL_MS) pending.deletes.delete(uid);
    const seen = new Set(cached.map((p) => p.metadata.uid));
    const out = cached.filter((p) => !pending.deletes.has(p.metadata.uid));
    for (const [uid, c] of pending.creates) if (!seen.has(uid)) out.push(c.pod);
    return out;
  }

  private entry(ownerKey: string): Pending {
    let e = this.byOwner.get(ownerKey);
    if (!e) this.byOwner.set(ownerKey, (e = { creates: new Map(), deletes: new Map() }));
    return e;
  }
}
