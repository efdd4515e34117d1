// The NetworkPolicyCheck a sidecar enforces in the process runtime, over a
// NetworkPolicySource (the node agent's informers; a static one in tests).
// The index is rebuilt lazily after a change, once per change however many
// requests follow.

import type { KubeObject, NetworkPolicy, NetworkPolicyVerdict, Pod } from '../../control/api/index.ts';
import { NetworkPolicyIndex } from '../../control/api/index.ts';
import type { NetworkPolicyCheck } from '../layers/deps.ts';

export interface NetworkPolicySnapshot {
  readonly networkPolicies: readonly NetworkPolicy[];
  readonly pods: readonly Pod[];
  readonly namespaces: readonly KubeObject[];
}

/** Contract as AuthorizationPolicySource: a consistent snapshot, and change listeners that must not throw. */
export interface NetworkPolicySource {
  snapshot(): NetworkPolicySnapshot;
  onChange(listener: () => void): () => void;
}

export class StaticNetworkPolicySource implements NetworkPolicySource {
  private current: NetworkPolicySnapshot;
  private readonly listeners = new Set<() => void>();

  constructor(snapshot: Partial<NetworkPolicySnapshot> = {}) {
    this.current = { networkPolicies: [], pods: [], namespaces: [], ...snapshot };
  }

  snapshot(): NetworkPolicySnapshot {
    return this.current;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  set(change: Partial<NetworkPolicySnapshot>): void {
    this.current = { ...this.current, ...change };
    for (const listener of [...this.listeners]) listener();
  }
}

export interface PodNetworkPolicyCheck extends NetworkPolicyCheck {
  close(): void;
}

/** The check for the sidecar of the pod at `podIp`. */
export function createNetworkPolicyCheck(source: NetworkPolicySource, podIp: string): PodNetworkPolicyCheck {
  let index: NetworkPolicyIndex | undefined;
  const current = (): NetworkPolicyIndex => {
    if (!index) {
      const snap = source.snapshot();
      index = new NetworkPolicyIndex(snap.networkPolicies, snap.pods, snap.namespaces);
    }
    return index;
  };
  const unsubscribe = source.onChange(() => {
    index = undefined;
  });
  return {
    ingress(sourceIp: string, port: number): NetworkPolicyVerdict {
      const i = current();
      return i.empty ? { allowed: true } : i.ingress(i.connection(sourceIp, podIp, port));
    },
    egress(destinationIp: string, port: number, destinationMeshed: boolean): NetworkPolicyVerdict {
      const i = current();
      if (i.empty) return { allowed: true };
      const connection = i.connection(podIp, destinationIp, port);
      return destinationMeshed ? i.egress(connection) : i.verdict(connection);
    },
    close: unsubscribe,
  };
}
