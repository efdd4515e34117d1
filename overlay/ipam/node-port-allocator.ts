// NodePorts from the service node port range (kube-apiserver's
// --service-node-port-range, default 30000-32767). Like the ClusterIP
// allocator, the view lives in memory and is rebuilt from the Services that
// exist (`repair`). A requested port that is taken or out of range is a 422
// on the port's field path, with the API server's wording.

import { invalid } from '../../control/api/index.ts';
import { OVERLAY_ERROR_CODES, overlayError } from '../errors.ts';

export const DEFAULT_NODE_PORT_RANGE = { first: 30000, last: 32767 } as const;

export interface NodePortAllocatorOptions {
  /** Default 30000-32767. */
  range?: { first: number; last: number };
  /**
   * Where the search for a free port starts, in [0, 1); default Math.random.
   * Random like the API server's bitmap allocator, so clusters side by side
   * (which share 127.0.0.1) rarely pick the same port.
   */
  random?: () => number;
}

export class NodePortAllocator {
  readonly first: number;
  readonly last: number;
  private readonly inUse = new Set<number>();
  private readonly random: () => number;

  constructor(options: NodePortAllocatorOptions = {}) {
    const range = options.range ?? DEFAULT_NODE_PORT_RANGE;
    if (!Number.isInteger(range.first) || !Number.isInteger(range.last) || range.first < 1 || range.last > 65535 || range.first > range.last) {
      throw overlayError(OVERLAY_ERROR_CODES.config, `overlay/ipam: invalid node port range ${range.first}-${range.last}`);
    }
    this.first = range.first;
    this.last = range.last;
    this.random = options.random ?? Math.random;
  }

  get rangeText(): string {
    return `${this.first}-${this.last}`;
  }

  /**
   * Allocates `requested` (a 422 ApiError on `field` when it is taken or out of
   * range) or the next free port. `serviceName` only shapes the message.
   */
  allocate(requested: number | undefined, field: string, serviceName = ''): number {
    if (requested !== undefined && requested !== 0) {
      const problem =
        !Number.isInteger(requested) || requested < this.first || requested > this.last
          ? `provided port is not in the valid range. The range of valid ports is ${this.rangeText}`
          : this.inUse.has(requested)
            ? 'provided port is already allocated'
            : undefined;
      if (problem !== undefined) {
        throw invalid('Service', serviceName, [{ field, reason: 'FieldValueInvalid', message: `Invalid value: ${requested}: ${problem}` }]);
      }
      this.inUse.add(requested);
      return requested;
    }
    const span = this.last - this.first + 1;
    const start = Math.floor(this.random() * span);
    for (let step = 0; step < span; step++) {
      const port = this.first + ((start + step) % span);
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      return port;
    }
    throw overlayError(OVERLAY_ERROR_CODES.nodePortsExhausted, `overlay/ipam: no free node port left in range ${this.rangeText}`);
  }

  /** Frees a port (no-op when it was not allocated). */
  release(port: number): void {
    this.inUse.delete(port);
  }

  /** Replaces the view with the node ports existing Services hold; out-of-range ones are returned. */
  repair(inUse: readonly number[]): { ignored: number[] } {
    this.inUse.clear();
    const ignored: number[] = [];
    for (const port of inUse) {
      if (port < this.first || port > this.last) ignored.push(port);
      else this.inUse.add(port);
    }
    return { ignored };
  }

  isAllocated(port: number): boolean {
    return this.inUse.has(port);
  }

  get allocatedCount(): number {
    return this.inUse.size;
  }
}
