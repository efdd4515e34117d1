// The views mesh/ components read, built on one ClusterState: the mesh config
// snapshot (same object until something changes, as the compiler's caches
// require) and the rate-limit policy source.

import {
  AUTHORIZATION_POLICIES, CONFIG_MAPS, DESTINATION_RULES, ENDPOINTS, ENVOY_FILTERS, GATEWAYS, INGRESSES, NODES, PODS, RATE_LIMIT_POLICIES, SERVICES,
  SERVICE_ENTRIES, VIRTUAL_SERVICES,
} from '../api/index.ts';
import type { ResourceType, Service } from '../api/index.ts';
import type { ConfigSource, MeshSnapshot } from '../../mesh/index.ts';
import type { RateLimitPolicySource } from '../../mesh/ratelimit/index.ts';
import type { AuthorizationPolicySource } from '../../mesh/security/index.ts';
import type { ClusterState } from './cluster-state.ts';

/** Every kind the in-process views need, watched once. */
export const WATCHED_KINDS: readonly ResourceType[] = [
  PODS, SERVICES, ENDPOINTS, NODES, VIRTUAL_SERVICES, DESTINATION_RULES, GATEWAYS, SERVICE_ENTRIES, INGRESSES,
  RATE_LIMIT_POLICIES, ENVOY_FILTERS, CONFIG_MAPS, AUTHORIZATION_POLICIES,
];

export function createMeshConfigSource(state: ClusterState): ConfigSource {
  let cached: { revision: number; snapshot: MeshSnapshot } | undefined;
  const build = (): MeshSnapshot => ({
    services: state.list<Service>(SERVICES),
    endpoints: state.list(ENDPOINTS) as never,
    pods: state.list(PODS) as never,
    virtualServices: state.list(VIRTUAL_SERVICES) as never,
    destinationRules: state.list(DESTINATION_RULES) as never,
    gateways: state.list(GATEWAYS) as never,
    serviceEntries: state.list(SERVICE_ENTRIES) as never,
    ingresses: state.list(INGRESSES) as never,
    revision: state.revision(),
  });
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
