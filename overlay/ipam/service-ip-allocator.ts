// ClusterIPs from the service CIDR. The view lives in memory and is rebuilt
// on start from the Services that exist (`repair`), as the API server's
// repair loop does. A requested IP that is taken or outside the range is a
// 422 on `spec.clusterIP`. The cluster DNS address is never handed out
// dynamically, only to a Service that asks for it.

import { invalid } from '../../control/api/index.ts';
import { OVERLAY_ERROR_CODES, overlayError } from '../errors.ts';
import type { Cidr } from './cidr.ts';
import { cidrContains, formatIpv4, parseCidr, parseIpv4 } from './cidr.ts';
import { DEFAULT_CLUSTER_DNS_IP, DEFAULT_SERVICE_CIDR } from './config.ts';

export interface ServiceIpAllocatorOptions {
  /** Default 127.96.0.0/12. */
  serviceCidr?: string;
  /** Addresses only given out on request; default [127.96.0.10] (cluster DNS). */
  reserved?: string[];
}

export class ServiceIpAllocator {
  readonly cidr: Cidr;
  private readonly inUse = new Set<number>();
  private readonly reserved: Set<number>;
  private readonly first: number;
  private readonly last: number;
  private cursor: number;

  constructor(options: ServiceIpAllocatorOptions = {}) {
    this.cidr = parseCidr(options.serviceCidr ?? DEFAULT_SERVICE_CIDR, 'service CIDR');
    this.reserved = new Set((options.reserved ?? [DEFAULT_CLUSTER_DNS_IP]).map((ip) => parseIpv4(ip) ?? -1));
    // Network and broadcast addresses are never handed out.
    this.first = this.cidr.base + 1;
    this.last = this.cidr.base + this.cidr.size - 2;
    this.cursor = this.first - 1;
  }

  /**
   * Allocates `requested` (throws a 422 ApiError when it is taken, malformed or
   * out of range) or the next free address. `serviceName` only shapes the message.
   */
  allocate(requested?: string, serviceName = ''): string {
    if (requested !== undefined && requested !== '') {
      const ip = parseIpv4(requested);
      const problem =
        ip === undefined ? 'must be a valid IP address'
        : !cidrContains(this.cidr, ip) || ip < this.first || ip > this.last ? `provided IP is not in the valid range. The range of valid IPs is ${this.cidr.text}`
        : this.inUse.has(ip) ? 'provided IP is already allocated'
        : undefined;
      if (problem !== undefined || ip === undefined) {
        throw invalid('Service', serviceName, [
          { field: 'spec.clusterIP', reason: 'FieldValueInvalid', message: `Invalid value: "${requested}": ${problem ?? 'invalid'}` },
        ]);
      }
      this.inUse.add(ip);
      return requested;
    }
    const span = this.last - this.first + 1;
    for (let step = 1; step <= span; step++) {
      const ip = this.first + ((this.cursor - this.first + step) % span);
      if (this.inUse.has(ip) || this.reserved.has(ip)) continue;
      this.inUse.add(ip);
      this.cursor = ip;
      return formatIpv4(ip);
    }
    throw overlayError(OVERLAY_ERROR_CODES.serviceIpsExhausted, `overlay/ipam: no free ClusterIP left in service CIDR ${this.cidr.text}`);
  }

  /** Frees an address (no-op when it was not allocated or is not an IP, e.g. "None"). */
  release(ip: string): void {
    const value = parseIpv4(ip);
    if (value !== undefined) this.inUse.delete(value);
  }

  /** Replaces the view with the ClusterIPs existing Services hold; out-of-range ones are returned. */
  repair(inUse: readonly string[]): { ignored: string[] } {
    this.inUse.clear();
    const ignored: string[] = [];
    for (const text of inUse) {
      const ip = parseIpv4(text);
      if (ip === undefined || !cidrContains(this.cidr, ip)) {
        if (text !== 'None' && text !== '') ignored.push(text);
        continue;
      }
      this.inUse.add(ip);
    }
    return { ignored };
  }

  isAllocated(ip: string): boolean {
    const value = parseIpv4(ip);
    return value !== undefined && this.inUse.has(value);
  }

  get allocatedCount(): number {
    return this.inUse.size;
  }
}
