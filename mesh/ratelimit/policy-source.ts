// Where the rate limiter reads policies from. The node agent implements it
// from informers; tests use StaticPolicySource.

import type { KubeObject } from '../../control/api/objects.ts';

export interface RateLimitPolicySnapshot {
  /** policy.meshlet.dev/v1alpha1 RateLimitPolicy, every namespace. */
  rateLimitPolicies: readonly KubeObject[];
  /** networking.istio.io EnvoyFilter, every namespace (only rate-limit patches are read). */
  envoyFilters: readonly KubeObject[];
  /** v1 ConfigMap holding envoyproxy/ratelimit configs (others are ignored). */
  configMaps: readonly KubeObject[];
  /** v1 Service, to resolve `target.service` to a pod selector. */
  services: readonly KubeObject[];
}

export interface RateLimitPolicySource {
  snapshot(): RateLimitPolicySnapshot;
  /** Calls `listener` after the snapshot changed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** A policy source held in memory; `update` replaces parts of the snapshot and notifies. */
export class StaticPolicySource implements RateLimitPolicySource {
  private current: RateLimitPolicySnapshot;
  private readonly listeners = new Set<() => void>();

  constructor(initial: Partial<RateLimitPolicySnapshot> = {}) {
    this.current = { rateLimitPolicies: [], envoyFilters: [], configMaps: [], services: [], ...initial };
  }

  snapshot(): RateLimitPolicySnapshot {
    return this.current;
  }

  update(parts: Partial<RateLimitPolicySnapshot>): void {
    this.current = { ...this.current, ...parts };
    for (const l of [...this.listeners]) l();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
