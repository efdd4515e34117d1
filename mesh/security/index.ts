// mesh/security: Istio AuthorizationPolicy evaluation for sidecars and the ingress gateway.

export { createAuthorizationCheck, DEFAULT_ROOT_NAMESPACE } from './check.ts';
export type { AuthorizationCheckOptions, PolicyAuthorizationCheck, Verdict } from './check.ts';
export { StaticAuthorizationPolicySource } from './source.ts';
export type { AuthorizationPolicySource, AuthorizationPolicySnapshot } from './source.ts';
export { StaticNetworkPolicySource, createNetworkPolicyCheck } from './network-policy.ts';
export type { NetworkPolicySource, NetworkPolicySnapshot, PodNetworkPolicyCheck } from './network-policy.ts';
export { validateAuthorizationPolicy } from './validate.ts';
export { compilePolicies } from './compile.ts';
export type { CompiledPolicy, CompiledPolicySet, CompileOptions } from './compile.ts';
export { requestAttributes } from './attributes.ts';
export type { RequestAttributes } from './attributes.ts';
