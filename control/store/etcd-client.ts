// The connection to etcd: the only file that builds the etcd3 client. It also
// owns the byte-level key layout (meshlet key → etcd key under an optional
// prefix, prefix → [key, range_end)) and turns the client's errors into
// StoreErrors, so the rest of the backend speaks only the Store's terms.

import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import type { CallContext } from 'etcd3';
import { StoreError } from '../api/index.ts';

export interface EtcdConnectOptions {
  /** host:port of each member's client URL (plain http, loopback in tests). */
  endpoints: string[];
  /** Deadline of each unary call; a member that lost quorum answers a linearizable call only with a timeout. */
  requestTimeoutMs: number;
}

export function connectEtcd(options: EtcdConnectOptions): Etcd3 {
  const hosts = options.endpoints.map((e) => (/^https?:\/\//.test(e) ? e : `http://${e}`));
  return new Etcd3({
    hosts,
    dialTimeout: options.requestTimeoutMs,
    // The client's own retry would re-send a txn whose first try committed but whose answer was
    // lost with the leader, turning an acknowledged create into AlreadyExists. The store retries
    // itself, only what is safe to repeat (withRetry below).
    faultHandling: { global: noop },
    // Watches and keep-alive streams live as long as they are wanted; only unary calls get a deadline.
    defaultCallOptions: (context: CallContext) => (context.isStream ? {} : { deadline: Date.now() + options.requestTimeoutMs }),
  });
}

/** The etcd key of a meshlet key. */
export function etcdKey(prefix: string, key: string): Buffer {
  return Buffer.from(prefix + key, 'utf8');
}

/** [key, range_end) covering every etcd key that starts with prefix + keyPrefix; '' means the whole keyspace. */
export function etcdRange(prefix: string, keyPrefix: string): { key: Buffer; range_end: Buffer } {
  const start = Buffer.from(prefix + keyPrefix, 'utf8');
  if (start.length === 0) return { key: Buffer.from([0]), range_end: Buffer.from([0]) };
  return { key: start, range_end: rangeEnd(start) };
}

/** The smallest key greater than every key with this prefix (etcd's "prefix + 1"). */
function rangeEnd(start: Buffer): Buffer {
  const end = Buffer.from(start);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  // All 0xff: no upper bound.
  return Buffer.from([0]);
}

/**
 * Lease ids are shown as etcd shows them (etcdctl: 16 hex digits); on the wire
 * they are signed 64-bit decimals. An id that does not parse names no lease.
 */
export function leaseToWire(id: string): string | undefined {
  if (!/^[0-9a-f]{1,16}$/i.test(id)) return undefined;
  return BigInt.asIntN(64, BigInt(`0x${id}`)).toString();
}

export function leaseFromWire(id: string): string | undefined {
  if (id === '0' || id === '') return undefined;
  return BigInt.asUintN(64, BigInt(id)).toString(16).padStart(16, '0');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isLeaseNotFound(err: unknown): boolean {
  return messageOf(err).includes('requested lease not found') || messageOf(err).includes('is expired or revoked');
}

export function isCompactedError(err: unknown): boolean {
  return messageOf(err).includes('required revision has been compacted');
}

/** The call never reached a member (refused, or the client held it back), so sending it again cannot apply it twice. */
function neverSent(err: unknown): boolean {
  return /ECONNREFUSED|No connection established|circuit breaker is open/i.test(messageOf(err));
}

/** gRPC UNAVAILABLE: a member went away or has no leader; a read may simply be asked again. */
function transient(err: unknown): boolean {
  return neverSent(err) || /^14 UNAVAILABLE|etcdserver: (leader changed|no leader)/.test(messageOf(err));
}

/**
 * Runs a call, trying other members (the client picks a member per call) while
 * that is safe: any call the members never saw, and idempotent ones (reads,
 * keep-alives) after a transient failure too.
 */
export async function withRetry<R>(idempotent: boolean, attempts: number, fn: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const again = attempt < attempts && (neverSent(err) || (idempotent && transient(err)));
      if (!again) throw err;
    }
  }
}

/** Any other failure: the cluster (or the part of it we reach) cannot answer now. */
export function unavailable(what: string, err: unknown, key?: string): StoreError {
  return new StoreError('Unavailable', `etcd: ${what} failed: ${messageOf(err)}`, key, { cause: err });
}
