// Pod IPs inside one node subnet, as CNI host-local hands them out: .1 is the
// node's gateway, pods get .2 up to the last address before broadcast, and
// the search starts after the last IP handed out so a freed IP is not reused
// at once. Every allocation is a store key created with create-if-absent, so
// an agent restart (or a stale in-memory view) can never hand out a duplicate.

import type { Store } from '../../control/api/index.ts';
import { isStoreError } from '../../control/api/index.ts';
import { OVERLAY_ERROR_CODES, overlayError } from '../errors.ts';
import type { Cidr } from './cidr.ts';
import { cidrKeySegment, formatIpv4, parseCidr, parseIpv4 } from './cidr.ts';

export const POD_IP_KEY_PREFIX = '/meshlet/ipam/';
const CURSOR = '_last';

export interface PodIpRecord {
  podKey: string;
}

export interface PodIpAllocatorOptions {
  store: Store;
  /** The node's subnet, e.g. 127.244.3.0/24. */
  subnet: string;
  /** Store key prefix; default /meshlet/ipam/ (the subnet is appended). */
  keyPrefix?: string;
}

export class PodIpAllocator {
  readonly subnet: Cidr;
  private readonly store: Store;
  private readonly prefix: string;
  private readonly first: number;
  private readonly last: number;
  /** ip (integer) → podKey; loaded from the store on first use. */
  private inUse: Map<number, string> | undefined;
  private cursor = 0;
  /** Serialises allocate/release so the cursor and view stay consistent. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: PodIpAllocatorOptions) {
    this.store = options.store;
    this.subnet = parseCidr(options.subnet, 'node subnet');
    if (this.subnet.size < 4) {
      throw overlayError(OVERLAY_ERROR_CODES.config, `overlay/ipam: node subnet ${this.subnet.text} is too small for pods (needs at least /30)`);
    }
    this.prefix = `${options.keyPrefix ?? POD_IP_KEY_PREFIX}${cidrKeySegment(this.subnet)}/`;
    this.first = this.subnet.base + 2;
    this.last = this.subnet.base + this.subnet.size - 2;
  }

  /** The node's own address (.1). */
  get gateway(): string {
    return formatIpv4(this.subnet.base + 1);
  }

  /** How many pod IPs this subnet offers. */
  get capacity(): number {
    return this.last - this.first + 1;
  }

  /**
   * Returns the pod's IP, allocating one if it has none. Idempotent per podKey.
   * Throws MESHLET_IPAM_POD_IPS_EXHAUSTED when the subnet is full.
   */
  allocate(podKey: string): Promise<string> {
    return this.serial(() => this.allocateNow(podKey));
  }

  /** Frees the pod's IP (no-op when it has none). */
  release(podKey: string): Promise<void> {
    return this.serial(async () => {
      const view = await this.view();
      for (const [ip, owner] of view) {
        if (owner !== podKey) continue;
        try {
          await this.store.delete(this.prefix + formatIpv4(ip));
        } catch (err) {
          if (!isStoreError(err, 'NotFound')) throw err;
        }
        view.delete(ip);
      }
    });
  }

  /**
   * Releases every IP whose pod is not in `livePodKeys` (garbage collection
   * after an agent restart: pods deleted while it was down). Returns the freed IPs.
   */
  retainOnly(livePodKeys: Iterable<string>): Promise<string[]> {
    const live = new Set(livePodKeys);
    return this.serial(async () => {
      this.inUse = undefined;
      const view = await this.view();
      const freed: string[] = [];
      for (const [ip, owner] of [...view]) {
        if (live.has(owner)) continue;
        try {
          await this.store.delete(this.prefix + formatIpv4(ip));
        } catch (err) {
          if (!isStoreError(err, 'NotFound')) throw err;
        }
        view.delete(ip);
        freed.push(formatIpv4(ip));
      }
      return freed;
    });
  }

  /** The current allocations, podKey → IP. */
  async allocations(): Promise<Map<string, string>> {
    return this.serial(async () => new Map([...(await this.view())].map(([ip, pod]) => [pod, formatIpv4(ip)])));
  }

  /** Re-reads the store (e.g. after another process changed it). */
  async reload(): Promise<void> {
    await this.serial(async () => {
      this.inUse = undefined;
      await this.view();
    });
  }

  private async allocateNow(podKey: string): Promise<string> {
    const view = await this.view();
    for (const [ip, owner] of view) if (owner === podKey) return formatIpv4(ip);
    const capacity = this.capacity;
    for (let step = 1; step <= capacity; step++) {
      const ip = this.first + ((this.cursor - this.first + step) % capacity + capacity) % capacity;
      if (view.has(ip)) continue;
      try {
        await this.store.create<PodIpRecord>(this.prefix + formatIpv4(ip), { podKey });
      } catch (err) {
        if (isStoreError(err, 'AlreadyExists')) {
          const kv = await this.store.get<PodIpRecord>(this.prefix + formatIpv4(ip));
          view.set(ip, kv?.value.podKey ?? '');
          continue;
        }
        throw err;
      }
      view.set(ip, podKey);
      this.cursor = ip;
      await this.saveCursor(ip);
      return formatIpv4(ip);
    }
    throw overlayError(
      OVERLAY_ERROR_CODES.podIpsExhausted,
      `overlay/ipam: no free pod IP in node subnet ${this.subnet.text} for pod "${podKey}" (all ${capacity} addresses in use)`,
    );
  }

  private async view(): Promise<Map<number, string>> {
    if (this.inUse) return this.inUse;
    const { kvs } = await this.store.range<PodIpRecord | { ip: string }>(this.prefix);
    const view = new Map<number, string>();
    this.cursor = this.first - 1;
    for (const kv of kvs) {
      const name = kv.key.slice(this.prefix.length);
      if (name === CURSOR) {
        const ip = parseIpv4((kv.value as { ip: string }).ip);
        if (ip !== undefined && ip >= this.first && ip <= this.last) this.cursor = ip;
        continue;
      }
      const ip = parseIpv4(name);
      if (ip !== undefined) view.set(ip, (kv.value as PodIpRecord).podKey);
    }
    this.inUse = view;
    return view;
  }

  private async saveCursor(ip: number): Promise<void> {
    const key = this.prefix + CURSOR;
    const value = { ip: formatIpv4(ip) };
    try {
      await this.store.update(key, value);
    } catch (err) {
      if (!isStoreError(err, 'NotFound')) throw err;
      await this.store.create(key, value).catch((e: unknown) => {
        if (!isStoreError(e, 'AlreadyExists')) throw e;
      });
    }
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
