// The views mesh/ components read, built on one ClusterState: the mesh config
// snapshot (same object until something changes, as the compiler's caches
// require) and the rate-limit policy source.

import { AUTHORIZATION_POLICIES, CONFIG_MAPS, ENVOY_FILTERS, NAMESPACES, NETWORK_POLICIES, NODES, NetworkPolicyIndex, PODS, RATE_LIMIT_POLICIES, SERVICES } from '../api/index.ts';
import type { ResourceType } from '../api/index.ts';
import { MESH_INPUT_TYPES, meshInputsFrom } from '../../mesh/index.ts';
import type { ConfigSource, MeshSnapshot } from '../../mesh/index.ts';
import type { RateLimitPolicySource } from '../../mesh/ratelimit/index.ts';
import type { AuthorizationPolicySource, NetworkPolicySource } from '../../mesh/security/index.ts';
import type { ClusterState } from './cluster-state.ts';

/** Every kind the in-process views need, watched once. */
export const WATCHED_KINDS: readonly ResourceType[] = [
  ...MESH_INPUT_TYPES, NODES, RATE_LIMIT_POLICIES, ENVOY_FILTERS, CONFIG_MAPS, AUTHORIZATION_POLICIES, NETWORK_POLICIES, NAMESPACES,
];

export function createMeshConfigSource(state: ClusterState): ConfigSource {
  let cached: { revision: number; snapshot: MeshSnapshot } | undefined;
  const build = (): MeshSnapshot => ({ ...meshInputsFrom((type) => state.list(type)), revision: state.revision() });
  return {
    snapshot() {
      const revision = state.revision();
      if (!cached || cached.revision !== revision) cached = { revision, snapshot: build() };
      return cached.snapshot;
    },
    onChange: (listener: () => void) => state.onChange(listener),
  };
}

export function createPolicySource(state: ClusterState): RateLimitPolicySource {
  return {
    snapshot: () => ({
      rateLimitPolicies: state.list(RATE_LIMIT_POLICIES),
      envoyFilters: state.list(ENVOY_FILTERS),
      configMaps: state.list(CONFIG_MAPS),
      services: state.list(SERVICES),
    }),
    onChange: (listener: () => void) => state.onChange(listener),
  };
}

/** AuthorizationPolicies, plus Services so `targetRef: {kind: Service}` resolves. */
export function createAuthorizationPolicySource(state: ClusterState): AuthorizationPolicySource {
  return {
    snapshot: () => ({ authorizationPolicies: state.list(AUTHORIZATION_POLICIES), services: state.list(SERVICES) }),
    onChange: (listener: () => void) => state.onChange(listener),
  };
}

/** NetworkPolicies with the pods and namespaces their selectors read (sidecars and the service proxy enforce them). */
export function createNetworkPolicySource(state: ClusterState): NetworkPolicySource {
  return {
    snapshot: () => ({ networkPolicies: state.list(NETWORK_POLICIES), pods: state.list(PODS), namespaces: state.list(NAMESPACES) }),
    onChange: (listener: () => void) => state.onChange(listener),
  };
}

/**
 * The service proxy's NetworkPolicy admission (process runtime): a
 * connection from `clientIp` to a backend needs the source's egress and the
 * backend pod's ingress rules to allow it. The index is rebuilt only when the
 * cluster view changed.
 */
export function networkPolicyAdmission(state: ClusterState): (clientIp: string, backend: { ip: string; port: number }) => boolean {
  let cached: { revision: number; index: NetworkPolicyIndex } | undefined;
  return (clientIp, backend) => {
    const revision = state.revision();
    if (!cached || cached.revision !== revision) {
      cached = { revision, index: new NetworkPolicyIndex(state.list(NETWORK_POLICIES), state.list(PODS), state.list(NAMESPACES)) };
    }
    const { index } = cached;
    return index.empty || index.verdict(index.connection(clientIp, backend.ip, backend.port)).allowed;
  };
}
