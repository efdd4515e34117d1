// The AuthorizationCheck a sidecar or gateway enforces: Istio's order —
// CUSTOM (unsupported, ignored), then DENY (any match denies), then ALLOW
// (no ALLOW policy for the workload → allow; else allow only on a match).
// AUDIT policies never change the decision.

import type { KubeObject } from '../../control/api/index.ts';
import { stableStringify } from '../../control/api/index.ts';
import type { AuthorizationCheck } from '../layers/deps.ts';
import type { MeshRequest } from '../layers/context.ts';
import type { ProxyIdentity } from '../config/identity.ts';
import type { AuthorizationPolicySnapshot, AuthorizationPolicySource } from './source.ts';
import type { CompiledPolicySet } from './compile.ts';
import { compilePolicies, matchingRule } from './compile.ts';
import { requestAttributes } from './attributes.ts';

export interface AuthorizationCheckOptions {
  source: AuthorizationPolicySource;
  /** The proxy enforcing: its namespace and labels pick the policies; `kind` decides which traffic is checked. */
  identity: ProxyIdentity;
  /** Policies here apply mesh-wide (Istio's root namespace). */
  rootNamespace?: string;
  /** Where "not supported" notices go, once per policy and notice; default console.warn. */
  log?: (line: string) => void;
}

export type Verdict = ReturnType<AuthorizationCheck['check']>;

export interface PolicyAuthorizationCheck extends AuthorizationCheck {
  /** Keys (`ns/name`) of the policies that apply to this proxy, by action. */
  applicable(): { deny: string[]; allow: string[]; audit: string[] };
  /** How many times the policy set was compiled (changes to other objects do not count). */
  compilations(): number;
  /** Stops following the source. */
  close(): void;
}

export const DEFAULT_ROOT_NAMESPACE = 'istio-system';

/**
 * Builds the check for one proxy. A sidecar enforces on its inbound listener
 * only (outbound requests are the client's, authorized at their
 * destination); a gateway enforces on every request it accepts.
 */
export function createAuthorizationCheck(options: AuthorizationCheckOptions): PolicyAuthorizationCheck {
  const { source, identity } = options;
  const rootNamespace = options.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
  const log = options.log ?? ((line: string) => console.warn(line));
  const warned = new Set<string>();
  const warn = (key: string, line: string): void => {
    if (warned.has(key)) return;
    warned.add(key);
    log(line);
  };
  let compiled: { set: CompiledPolicySet; fingerprint: string } | undefined;
  let stale = true;
  let compilations = 0;
  const current = (): CompiledPolicySet => {
    if (stale || !compiled) {
      stale = false;
      const snap = source.snapshot();
      const fingerprint = fingerprintOf(snap);
      // A cluster-wide source signals every change (pods, endpoints, ...): recompile only when the inputs differ.
      if (!compiled || compiled.fingerprint !== fingerprint) {
        compilations += 1;
        compiled = { fingerprint, set: compilePolicies(snap.authorizationPolicies, { identity, rootNamespace, services: snap.services, warn }) };
      }
    }
    return compiled.set;
  };
  const unsubscribe = source.onChange(() => {
    stale = true;
  });
  const enforces = (req: MeshRequest): boolean => identity.kind === 'gateway' || req.direction === 'inbound';

  return {
    check(req: MeshRequest): Verdict {
      if (!enforces(req)) return { allowed: true };
      const set = current();
      if (set.deny.length === 0 && set.allow.length === 0) return { allowed: true };
      const attrs = requestAttributes(req, identity);
      for (const p of set.deny) {
        const rule = matchingRule(p, attrs);
        if (rule >= 0) return { allowed: false, policy: `${p.key} (DENY, rule ${rule})` };
      }
      if (set.allow.length === 0) return { allowed: true };
      for (const p of set.allow) if (matchingRule(p, attrs) >= 0) return { allowed: true };
      return { allowed: false, policy: `no ALLOW policy matched (${set.allow.map((p) => p.key).join(', ')})` };
    },
    applicable() {
      const set = current();
      return { deny: set.deny.map((p) => p.key), allow: set.allow.map((p) => p.key), audit: set.audit.map((p) => p.key) };
    },
    compilations: () => compilations,
    close() {
      unsubscribe();
    },
  };
}

/** Identity of one object version: its resourceVersion when stored, its content otherwise. */
function versionOf(o: KubeObject): string {
  const rv = o.metadata.resourceVersion;
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}@${rv ?? stableStringify(o)}`;
}

function fingerprintOf(snap: AuthorizationPolicySnapshot): string {
  const policies = snap.authorizationPolicies;
  const usesServices = policies.some((p) => {
    const spec = p.spec as { targetRef?: unknown; targetRefs?: unknown[] } | undefined;
    return spec?.targetRef !== undefined || (spec?.targetRefs?.length ?? 0) > 0;
  });
  const parts = policies.map(versionOf);
  if (usesServices) parts.push('|', ...(snap.services ?? []).map(versionOf));
  return parts.join('\n');
}
