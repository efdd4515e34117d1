// The views mesh/ components read, built on one ClusterState: the mesh config
// snapshot (same object until something changes, as the compiler's caches
// require) and the rate-limit policy source.

import { AUTHORIZATION_POLICIES, CONFIG_MAPS, ENVOY_FILTERS, NODES, RATE_LIMIT_POLICIES, SERVICES } from '../api/index.ts';
import type { ResourceType } from '../api/index.ts';
import { MESH_INPUT_TYPES, meshInputsFrom } from '../../mesh/index.ts';
import type { ConfigSource, MeshSnapshot } from '../../mesh/index.ts';
import type { RateLimitPolicySource } from '../../mesh/ratelimit/index.ts';
import type { AuthorizationPolicySource } from '../../mesh/security/index.ts';
import type { ClusterState } from './cluster-state.ts';

/** Every kind the in-process views need, watched once. */
export const WATCHED_KINDS: readonly ResourceType[] = [
  ...MESH_INPUT_TYPES, NODES, RATE_LIMIT_POLICIES, ENVOY_FILTERS, CONFIG_MAPS, AUTHORIZATION_POLICIES,
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
