// RateLimitPolicy (policy.meshlet.dev/v1alpha1) → the internal policy form.

import type { KubeObject } from '../../control/api/objects.ts';
import type { ServiceSpec } from '../../control/api/kinds.ts';
import type {
  RateLimitDescriptor,
  RateLimitMatch,
  RateLimitPolicySpec,
  RateLimitRule,
  RateLimitTarget,
} from '../../control/api/ratelimit-policy.ts';
import { validateRateLimitPolicy } from '../../control/api/ratelimit-policy.ts';
import { RateLimitError } from './errors.ts';
import { allOf, anyOf, compileStringMatch, descriptorActions, headerMatches, ipInBlock, pathWithoutQuery } from './match.ts';
import type { CompiledPolicy, DescriptorAction, DescriptorEntry, LimitHit, RateSpec, RequestPredicate, TargetMatcher } from './model.ts';
import { UNIT_SECONDS } from './model.ts';
import type { RateLimitRequest } from './types.ts';

function compileTarget(target: RateLimitTarget, namespace: string, services: readonly KubeObject[]): TargetMatcher {
  if (target.gateway !== undefined) return { kind: 'gateway', name: target.gateway };
  if (target.workloadSelector !== undefined) return { kind: 'workload', namespace, labels: { ...target.workloadSelector.matchLabels } };
  const svc = services.find((s) => s.metadata.name === target.service && (s.metadata.namespace ?? 'default') === namespace);
  const selector = (svc?.spec as ServiceSpec | undefined)?.selector;
  if (!svc) return { kind: 'none', reason: `service "${namespace}/${target.service}" not found` };
  if (!selector || Object.keys(selector).length === 0) return { kind: 'none', reason: `service "${namespace}/${target.service}" has no selector` };
  return { kind: 'workload', namespace, labels: { ...selector } };
}

function compileMatchBlock(m: RateLimitMatch): RequestPredicate {
  const parts: RequestPredicate[] = [];
  if (m.path) {
    const test = compileStringMatch(m.path);
    parts.push((r) => test(pathWithoutQuery(r.path)));
  }
  if (m.methods) {
    const methods = new Set(m.methods);
    parts.push((r) => methods.has(r.method.toUpperCase()));
  }
  for (const [name, sm] of Object.entries(m.headers ?? {})) parts.push(headerMatches(name, compileStringMatch(sm)));
  const src = m.source;
  if (src?.workload !== undefined) parts.push((r) => r.sourceWorkload === src.workload);
  if (src?.namespace !== undefined) parts.push((r) => r.sourceNamespace === src.namespace);
  if (src?.ipBlocks !== undefined) {
    const blocks = src.ipBlocks;
    parts.push((r) => blocks.some((b) => ipInBlock(r.sourceIp, b)));
  }
  return allOf(parts);
}

function compileDescriptor(d: RateLimitDescriptor): DescriptorAction {
  switch (d.type) {
    case 'remoteAddress':
      return descriptorActions.remoteAddress();
    case 'path':
      return descriptorActions.path();
    case 'sourceWorkload':
      return descriptorActions.sourceWorkload();
    case 'header':
      return descriptorActions.requestHeader(d.header, `header_${d.header.toLowerCase()}`);
  }
}

function compileRule(rule: RateLimitRule, index: number, spec: RateLimitPolicySpec): (r: RateLimitRequest) => LimitHit | undefined {
  const name = rule.name ?? `rule-${index}`;
  const when = anyOf((rule.match ?? []).map(compileMatchBlock));
  const actions = (rule.descriptors ?? []).map(compileDescriptor);
  const { requests, unit, burst } = rule.limit;
  const rate: RateSpec =
    (spec.mode ?? 'local') === 'local'
      ? { kind: 'bucket', bucket: { maxTokens: burst ?? requests, tokensPerFill: requests, fillIntervalMs: UNIT_SECONDS[unit] * 1000 } }
      : { kind: 'window', window: { requests, unit, algorithm: spec.algorithm ?? 'fixed-window' } };
  const shadowMode = rule.shadowMode ?? spec.shadowMode ?? false;
  const ruleEntry: DescriptorEntry = { key: 'rule', value: name };
  return (r) => {
    if (!when(r)) return undefined;
    const entries: DescriptorEntry[] = [ruleEntry];
    for (const action of actions) {
      const e = action(r);
      if (!e) return undefined;
      entries.push(e);
    }
    return { name, entries, rate, shadowMode };
  };
}

/** Compiles a stored RateLimitPolicy; throws MESHLET_RATELIMIT_INVALID_POLICY when it does not validate. */
export function compileRateLimitPolicy(obj: KubeObject, services: readonly KubeObject[]): CompiledPolicy {
  const namespace = obj.metadata.namespace ?? 'default';
  const id = `RateLimitPolicy ${namespace}/${obj.metadata.name}`;
  const causes = validateRateLimitPolicy(obj);
  if (causes.length > 0) {
    throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', `${id} is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`);
  }
  const spec = obj.spec as RateLimitPolicySpec;
  const rules = spec.rules.map((rule, i) => compileRule(rule, i, spec));
  return {
    id,
    target: compileTarget(spec.target, namespace, services),
    direction: 'inbound',
    mode: spec.mode ?? 'local',
    domain: `${namespace}/${obj.metadata.name}`,
    failureModeDeny: spec.failureModeDeny ?? false,
    resolve(r) {
      const hits: LimitHit[] = [];
      for (const rule of rules) {
        const hit = rule(r);
        if (hit) hits.push(hit);
      }
      return hits;
    },
  };
}
