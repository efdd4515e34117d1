// Per-node subnet leases, as Flannel keeps them in etcd: the cluster CIDR is
// cut into /24s (configurable); each node holds one under
// `<prefix><subnet>` with an expiry, renews it shortly before it runs out,
// and gets the same subnet back after a restart. An expired lease is free for
// any node. Expiry lives in the value (measured on the injected Clock) so
// renewal and expiry are exact under a ManualClock.

import type { Clock, Store, Timer } from '../../control/api/index.ts';
import { isStoreError, systemClock } from '../../control/api/index.ts';
import { OVERLAY_ERROR_CODES, overlayError } from '../errors.ts';
import type { Cidr } from './cidr.ts';
import { cidrKeySegment, formatIpv4, parseCidr, subCidr } from './cidr.ts';
import { DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_SUBNET_LENGTH } from './config.ts';

export const SUBNET_KEY_PREFIX = '/meshlet/subnets/';
const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const MAX_ATTEMPTS = 16;

export interface SubnetLeaseValue {
  nodeName: string;
  subnet: string;
  /** Epoch ms on the allocator's clock. */
  expiresAt: number;
}

export interface SubnetLease {
  nodeName: string;
  /** e.g. 127.244.3.0/24 */
  subnet: string;
  /** The node's own address, .1 of the subnet. */
  gateway: string;
  expiresAt: number;
}

export interface SubnetAllocatorOptions {
  store: Store;
  clock?: Clock;
  /** Default 127.244.0.0/16. */
  clusterCidr?: string;
  /** Default 24. */
  subnetLength?: number;
  /** Lease lifetime; default 24 h (Flannel). */
  leaseTtlMs?: number;
  /** Renew when this much lifetime is left; default 1 h (Flannel). */
  renewBeforeMs?: number;
  /** Store key prefix; default /meshlet/subnets/. */
  keyPrefix?: string;
  /** Called when a background renewal fails (the lease may then expire). */
  onRenewError?: (nodeName: string, err: unknown) => void;
}

export class SubnetAllocator {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly cluster: Cidr;
  private readonly subnetLength: number;
  private readonly leaseTtlMs: number;
  private readonly renewBeforeMs: number;
  private readonly prefix: string;
  private readonly onRenewError: (nodeName: string, err: unknown) => void;
  private readonly renewals = new Map<string, Timer>();
  private closed = false;

  constructor(options: SubnetAllocatorOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.cluster = parseCidr(options.clusterCidr ?? DEFAULT_CLUSTER_CIDR, 'cluster CIDR');
    this.subnetLength = options.subnetLength ?? DEFAULT_NODE_SUBNET_LENGTH;
    this.leaseTtlMs = options.leaseTtlMs ?? DAY_MS;
    this.renewBeforeMs = options.renewBeforeMs ?? HOUR_MS;
    this.prefix = options.keyPrefix ?? SUBNET_KEY_PREFIX;
    this.onRenewError = options.onRenewError ?? (() => {});
    if (this.renewBeforeMs >= this.leaseTtlMs) {
      throw overlayError(OVERLAY_ERROR_CODES.config, 'overlay/ipam: subnet lease renewBeforeMs must be shorter than leaseTtlMs');
    }
    if (this.subnetLength < this.cluster.prefixLength || this.subnetLength > 30) {
      throw overlayError(OVERLAY_ERROR_CODES.config, `overlay/ipam: node subnet length /${this.subnetLength} does not fit cluster CIDR ${this.cluster.text}`);
    }
  }

  /**
   * Returns the node's lease, reclaiming its previous subnet if it still holds
   * one (or held one that nobody took since), else leasing a free subnet.
   * Starts background renewal; `release` or `close` stops it.
   */
  async acquire(nodeName: string): Promise<SubnetLease> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { kvs } = await this.store.range<SubnetLeaseValue>(this.prefix);
      const now = this.clock.now();
      const mine = kvs.find((kv) => kv.value.nodeName === nodeName);
      try {
        if (mine) {
          const value = { ...mine.value, expiresAt: now + this.leaseTtlMs };
          await this.store.update(mine.key, value, { expectedModRevision: mine.modRevision });
          return this.started(value);
        }
        const taken = new Map(kvs.map((kv) => [kv.key, kv]));
        const count = 2 ** (this.subnetLength - this.cluster.prefixLength);
        // Subnet 0 is skipped, as Flannel's SubnetMin does, so no node gets the network's own address.
        for (let index = count > 1 ? 1 : 0; index < count; index++) {
          const subnet = subCidr(this.cluster, this.subnetLength, index);
          const key = this.prefix + cidrKeySegment(subnet);
          const existing = taken.get(key);
          if (existing && existing.value.expiresAt > now) continue;
          const value: SubnetLeaseValue = { nodeName, subnet: subnet.text, expiresAt: now + this.leaseTtlMs };
          if (existing) await this.store.update(key, value, { expectedModRevision: existing.modRevision });
          else await this.store.create(key, value);
          return this.started(value);
        }
      } catch (err) {
        if (isStoreError(err, 'Conflict') || isStoreError(err, 'AlreadyExists') || isStoreError(err, 'NotFound')) continue;
        throw err;
      }
      throw overlayError(
        OVERLAY_ERROR_CODES.subnetsExhausted,
        `overlay/ipam: no free /${this.subnetLength} subnet left in cluster CIDR ${this.cluster.text} for node "${nodeName}"`,
      );
    }
    throw overlayError(OVERLAY_ERROR_CODES.contention, `overlay/ipam: could not lease a subnet for node "${nodeName}": store kept conflicting`);
  }

  /** Extends the node's lease now; throws if the node lost it (expired and taken by another node). */
  async renew(nodeName: string): Promise<SubnetLease> {
    const { kvs } = await this.store.range<SubnetLeaseValue>(this.prefix);
    const mine = kvs.find((kv) => kv.value.nodeName === nodeName);
    if (!mine) {
      throw overlayError(OVERLAY_ERROR_CODES.contention, `overlay/ipam: node "${nodeName}" no longer holds a subnet lease`);
    }
    const value = { ...mine.value, expiresAt: this.clock.now() + this.leaseTtlMs };
    await this.store.update(mine.key, value, { expectedModRevision: mine.modRevision });
    return this.started(value);
  }

  /** Gives the node's subnet back (node deleted for good). */
  async release(nodeName: string): Promise<void> {
    this.renewals.get(nodeName)?.cancel();
    this.renewals.delete(nodeName);
    const { kvs } = await this.store.range<SubnetLeaseValue>(this.prefix);
    for (const kv of kvs) {
      if (kv.value.nodeName !== nodeName) continue;
      try {
        await this.store.delete(kv.key, { expectedModRevision: kv.modRevision });
      } catch (err) {
        if (!isStoreError(err, 'NotFound') && !isStoreError(err, 'Conflict')) throw err;
      }
    }
  }

  /** All leases, expired ones included (`expiresAt` tells). */
  async list(): Promise<SubnetLease[]> {
    const { kvs } = await this.store.range<SubnetLeaseValue>(this.prefix);
    return kvs.map((kv) => toLease(kv.value));
  }

  /** Stops renewal timers; leases stay in the store until they expire (a restart reclaims them). */
  close(): Promise<void> {
    this.closed = true;
    for (const timer of this.renewals.values()) timer.cancel();
    this.renewals.clear();
    return Promise.resolve();
  }

  private started(value: SubnetLeaseValue): SubnetLease {
    this.renewals.get(value.nodeName)?.cancel();
    if (!this.closed) {
      const delay = value.expiresAt - this.renewBeforeMs - this.clock.now();
      const timer = this.clock.setTimer(delay, () => {
        if (this.renewals.get(value.nodeName) !== timer) return;
        this.renewals.delete(value.nodeName);
        this.renew(value.nodeName).catch((err: unknown) => this.onRenewError(value.nodeName, err));
      });
      this.renewals.set(value.nodeName, timer);
    }
    return toLease(value);
  }
}

function toLease(value: SubnetLeaseValue): SubnetLease {
  const subnet = parseCidr(value.subnet);
  return { nodeName: value.nodeName, subnet: subnet.text, gateway: formatIpv4(subnet.base + 1), expiresAt: value.expiresAt };
}
