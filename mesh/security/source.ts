// Where an authorization check reads AuthorizationPolicy objects from. The
// node agent implements AuthorizationPolicySource from informers; tests and
// embedders use StaticAuthorizationPolicySource.

import type { KubeObject, Service } from '../../control/api/index.ts';

export interface AuthorizationPolicySnapshot {
  readonly authorizationPolicies: readonly KubeObject[];
  /** Needed only to resolve `targetRef: {kind: Service}`; without it such policies never apply. */
  readonly services?: readonly Service[];
}

/**
 * Contract: `snapshot()` returns a consistent view; `onChange` listeners are
 * called after a change is visible to `snapshot()` and must not throw. The
 * returned function unsubscribes.
 */
export interface AuthorizationPolicySource {
  snapshot(): AuthorizationPolicySnapshot;
  onChange(listener: () => void): () => void;
}

const sameObject = (a: KubeObject, b: { metadata: { name: string; namespace?: string } }): boolean =>
  a.metadata.name === b.metadata.name && (a.metadata.namespace ?? 'default') === (b.metadata.namespace ?? 'default');

export class StaticAuthorizationPolicySource implements AuthorizationPolicySource {
  private current: AuthorizationPolicySnapshot;
  private readonly listeners = new Set<() => void>();

  constructor(policies: readonly KubeObject[] = [], services?: readonly Service[]) {
    this.current = { authorizationPolicies: [...policies], services };
  }

  snapshot(): AuthorizationPolicySnapshot {
    return this.current;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Replaces the whole policy list (and services, when given). */
  set(policies: readonly KubeObject[], services?: readonly Service[]): void {
    this.current = { authorizationPolicies: [...policies], services: services ?? this.current.services };
    this.notify();
  }

  /** Adds or replaces policies by namespace/name. */
  apply(...policies: KubeObject[]): void {
    const list = [...this.current.authorizationPolicies];
    for (const p of policies) {
      const at = list.findIndex((o) => sameObject(o, p));
      if (at >= 0) list[at] = p;
      else list.push(p);
    }
    this.set(list);
  }

  /** Removes policies by namespace/name. */
  remove(...policies: { metadata: { name: string; namespace?: string } }[]): void {
    this.set(this.current.authorizationPolicies.filter((o) => !policies.some((p) => sameObject(o, p))));
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
