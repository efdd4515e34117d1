// Leases of the in-process store: a TTL timer on the injected clock and the
// set of keys attached. Expiry is reported to the owner, which deletes the
// keys as ordinary writes.

import type { Clock, Timer } from '../api/index.ts';

interface LeaseRecord {
  ttlSeconds: number;
  timer: Timer | undefined;
  keys: Set<string>;
}

export class LeaseTable {
  private readonly leases = new Map<string, LeaseRecord>();
  private nextId: number;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (id: string, keys: string[]) => void,
    nextId = 1,
  ) {
    this.nextId = nextId;
  }

  get nextLeaseId(): number {
    return this.nextId;
  }

  newId(): string {
    return (this.nextId++).toString(16).padStart(16, '0');
  }

  /** Adds a lease (new, or restored after a restart with a fresh full TTL, as etcd does). */
  add(id: string, ttlSeconds: number): void {
    const record: LeaseRecord = { ttlSeconds, timer: undefined, keys: new Set() };
    this.leases.set(id, record);
    const numeric = Number.parseInt(id, 16);
    if (Number.isFinite(numeric) && numeric >= this.nextId) this.nextId = numeric + 1;
    this.arm(id, record);
  }

  has(id: string): boolean {
    return this.leases.has(id);
  }

  ttlOf(id: string): number | undefined {
    return this.leases.get(id)?.ttlSeconds;
  }

  list(): { id: string; ttl: number }[] {
    return [...this.leases].map(([id, r]) => ({ id, ttl: r.ttlSeconds }));
  }

  refresh(id: string): boolean {
    const record = this.leases.get(id);
    if (!record) return false;
    record.timer?.cancel();
    this.arm(id, record);
    return true;
  }

  attach(id: string, key: string): void {
    this.leases.get(id)?.keys.add(key);
  }

  detach(id: string, key: string): void {
    this.leases.get(id)?.keys.delete(key);
  }

  /** Forgets the lease and returns its keys (sorted, for a deterministic delete order). */
  remove(id: string): string[] | undefined {
    const record = this.leases.get(id);
    if (!record) return undefined;
    record.timer?.cancel();
    this.leases.delete(id);
    return [...record.keys].sort();
  }

  close(): void {
    for (const record of this.leases.values()) record.timer?.cancel();
  }

  private arm(id: string, record: LeaseRecord): void {
    record.timer = this.clock.setTimer(record.ttlSeconds * 1000, () => {
      if (this.leases.get(id) !== record) return;
      this.onExpire(id, [...record.keys].sort());
    });
  }
}
