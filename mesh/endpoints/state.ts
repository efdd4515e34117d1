// Per-cluster runtime state that must outlive route-table swaps: the
// round-robin cursor, in-flight counts (LEAST_REQUEST, connection pool) and
// outlier-detection records, keyed by cluster name and endpoint `ip:port`.

import type { Clock } from '../../control/api/index.ts';
import type { ConnectionPoolPolicy, EndpointInfo, OutlierPolicy } from '../config/table.ts';

export interface EndpointRecord {
  active: number;
  consecutive5xx: number;
  consecutiveGateway: number;
  ejections: number;
  /** Epoch ms until which the endpoint is ejected; 0 when it is not. */
  ejectedUntil: number;
}

export interface ClusterRuntime {
  rrCursor: number;
  active: number;
  /** Retries in progress across the cluster (connectionPool.http.maxRetries). */
  retries: number;
  waiting: (() => void)[];
  endpoints: Map<string, EndpointRecord>;
}

export function endpointKey(e: EndpointInfo): string {
  return `${e.address}:${e.port}`;
}

export class ClusterStates {
  private readonly clusters = new Map<string, ClusterRuntime>();
  constructor(private readonly clock: Clock) {}

  get(cluster: string): ClusterRuntime {
    let c = this.clusters.get(cluster);
    if (!c) {
      c = { rrCursor: 0, active: 0, retries: 0, waiting: [], endpoints: new Map() };
      this.clusters.set(cluster, c);
    }
    return c;
  }

  endpoint(cluster: string, e: EndpointInfo): EndpointRecord {
    const c = this.get(cluster);
    const key = endpointKey(e);
    let r = c.endpoints.get(key);
    if (!r) {
      r = { active: 0, consecutive5xx: 0, consecutiveGateway: 0, ejections: 0, ejectedUntil: 0 };
      c.endpoints.set(key, r);
    }
    return r;
  }

  /** Endpoints not currently ejected; an endpoint whose ejection time has passed returns here. */
  healthy(cluster: string, endpoints: readonly EndpointInfo[]): EndpointInfo[] {
    const now = this.clock.now();
    const c = this.clusters.get(cluster);
    if (!c) return [...endpoints];
    return endpoints.filter((e) => {
      const r = c.endpoints.get(endpointKey(e));
      if (!r || r.ejectedUntil === 0) return true;
      if (r.ejectedUntil <= now) {
        r.ejectedUntil = 0;
        r.consecutive5xx = 0;
        r.consecutiveGateway = 0;
        return true;
      }
      return false;
    });
  }

  isEjected(cluster: string, e: EndpointInfo): boolean {
    const r = this.clusters.get(cluster)?.endpoints.get(endpointKey(e));
    return !!r && r.ejectedUntil > this.clock.now();
  }

  /**
   * Records one upstream result for outlier detection. Ejects on reaching the
   * consecutive-error threshold, bounded by maxEjectionPercent (at least one
   * host may always be ejected, as Envoy allows); ejection lasts
   * baseEjectionTime × number of times ejected.
   */
  recordResult(cluster: string, e: EndpointInfo, all: readonly EndpointInfo[], status: number | 'failure', policy: OutlierPolicy | undefined): boolean {
    if (!policy) return false;
    const r = this.endpoint(cluster, e);
    const isGateway = status === 'failure' || status === 502 || status === 503 || status === 504;
    const is5xx = status === 'failure' || status >= 500;
    r.consecutive5xx = is5xx ? r.consecutive5xx + 1 : 0;
    r.consecutiveGateway = isGateway ? r.consecutiveGateway + 1 : 0;
    const trip =
      (policy.consecutive5xx > 0 && r.consecutive5xx >= policy.consecutive5xx) ||
      (policy.consecutiveGateway > 0 && r.consecutiveGateway >= policy.consecutiveGateway);
    if (!trip || r.ejectedUntil > this.clock.now()) return false;
    const ejectedNow = all.filter((x) => this.isEjected(cluster, x)).length;
    const cap = Math.max(1, Math.floor((all.length * policy.maxEjectionPercent) / 100));
    if (ejectedNow >= cap) return false;
    r.ejections += 1;
    r.ejectedUntil = this.clock.now() + policy.baseEjectionMs * r.ejections;
    r.consecutive5xx = 0;
    r.consecutiveGateway = 0;
    return true;
  }

  /**
   * Takes a connection-pool slot: resolves when one is free, or returns false
   * at once when both the slots and the pending queue are full (503 UO).
   */
  acquire(cluster: string, pool: ConnectionPoolPolicy | undefined): Promise<boolean> | boolean {
    const c = this.get(cluster);
    if (!pool || c.active < pool.maxRequests) {
      c.active += 1;
      return true;
    }
    if (c.waiting.length >= pool.maxPending) return false;
    return new Promise<boolean>((resolve) => {
      c.waiting.push(() => {
        c.active += 1;
        resolve(true);
      });
    });
  }

  release(cluster: string): void {
    const c = this.get(cluster);
    c.active = Math.max(0, c.active - 1);
    const next = c.waiting.shift();
    if (next) next();
  }

  /** Takes a retry slot unless the cluster already has maxRetries retries in flight. */
  tryRetry(cluster: string, maxRetries: number): boolean {
    const c = this.get(cluster);
    if (c.retries >= maxRetries) return false;
    c.retries += 1;
    return true;
  }

  retryDone(cluster: string): void {
    const c = this.get(cluster);
    c.retries = Math.max(0, c.retries - 1);
  }

  /**
   * Forgets clusters and endpoints the new table no longer has, keeping the
   * state of everything still present (ejections survive a config change).
   */
  prune(clusters: ReadonlyMap<string, { endpoints: readonly EndpointInfo[] }>): void {
    for (const [name, c] of this.clusters) {
      const current = clusters.get(name);
      if (!current) {
        if (c.active === 0 && c.waiting.length === 0) this.clusters.delete(name);
        continue;
      }
      const keep = new Set(current.endpoints.map(endpointKey));
      for (const [key, r] of c.endpoints) if (!keep.has(key) && r.active === 0) c.endpoints.delete(key);
    }
  }

  snapshot(): { cluster: string; active: number; waiting: number; ejected: string[] }[] {
    const now = this.clock.now();
    return [...this.clusters.entries()].map(([cluster, c]) => ({
      cluster,
      active: c.active,
      waiting: c.waiting.length,
      ejected: [...c.endpoints.entries()].filter(([, r]) => r.ejectedUntil > now).map(([k]) => k),
    }));
  }
}
