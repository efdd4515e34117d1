// A policy snapshot → compiled policies, plus the problems that kept objects
// out (invalid, unsupported). One bad object never disables the others.

import { compileRateLimitPolicy } from './compile-policy.ts';
import type { CompiledPolicy } from './model.ts';
import type { RateLimitPolicySnapshot } from './policy-source.ts';
import { translateEnvoyFilters } from './translate-envoy-filter.ts';

export interface CompileProblem {
  /** `Kind namespace/name`. */
  object: string;
  message: string;
}

export interface CompiledSnapshot {
  policies: CompiledPolicy[];
  problems: CompileProblem[];
}

export function compileSnapshot(snapshot: RateLimitPolicySnapshot): CompiledSnapshot {
  const policies: CompiledPolicy[] = [];
  const problems: CompileProblem[] = [];
  for (const obj of snapshot.rateLimitPolicies) {
    try {
      const p = compileRateLimitPolicy(obj, snapshot.services);
      policies.push(p);
      if (p.target.kind === 'none') problems.push({ object: p.id, message: p.target.reason });
    } catch (err) {
      problems.push({ object: `RateLimitPolicy ${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`, message: (err as Error).message });
    }
  }
  const translated = translateEnvoyFilters(snapshot.envoyFilters, snapshot.configMaps, snapshot.services);
  policies.push(...translated.policies);
  problems.push(...translated.problems);
  return { policies, problems };
}
