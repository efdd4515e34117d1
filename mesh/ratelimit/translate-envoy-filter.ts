// Istio EnvoyFilters that configure Envoy rate limiting → the internal policy form.
//
// Read: HTTP_FILTER patches inserting envoy.filters.http.local_ratelimit (its
// typed_config) or envoy.filters.http.ratelimit (domain, failure_mode_deny);
// HTTP_ROUTE / VIRTUAL_HOST patches carrying `rate_limits` actions and
// `typed_per_filter_config` for local_ratelimit. Patches of EnvoyFilters with the
// same namespace scope, workload selector and context are combined, as Envoy
// would see them on one listener (Istio's global-rate-limit task splits the
// filter and the route actions across two EnvoyFilters). Route-level vhost
// names and ports are not matched: meshlet has one inbound vhost per sidecar.
//
// Global limits join an envoyproxy/ratelimit config (a ConfigMap, see
// translate-ratelimit-config.ts) by domain. A domain no EnvoyFilter names is
// enforced where its ConfigMap's target annotation says, with actions inferred
// from the descriptor keys.

import type { KubeObject } from '../../control/api/objects.ts';
import type { ServiceSpec } from '../../control/api/kinds.ts';
import { compileActionSet, parseEnvoyDuration, produceDescriptor } from './envoy-actions.ts';
import { RateLimitError } from './errors.ts';
import { descriptorActions } from './match.ts';
import type { CompiledPolicy, DescriptorAction, DescriptorTreeNode, LimitHit, TargetMatcher, TokenBucketSpec } from './model.ts';
import type { RateLimitDomainConfig } from './translate-ratelimit-config.ts';
import { RATELIMIT_FAILURE_MODE_ANNOTATION, RATELIMIT_TARGET_ANNOTATION, lookupDescriptor, readRateLimitConfigs } from './translate-ratelimit-config.ts';
import type { RateLimitRequest } from './types.ts';

/** EnvoyFilters here apply to workloads in every namespace (Istio's config root namespace). */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';
const LOCAL_FILTER = 'envoy.filters.http.local_ratelimit';
const GLOBAL_FILTER = 'envoy.filters.http.ratelimit';

type Json = Record<string, unknown>;
type Problem = { object: string; message: string };

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Unwraps `udpa.type.v1.TypedStruct` / `xds.type.v3.TypedStruct` to the config itself. */
function unwrapTyped(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  const type = typeof v['@type'] === 'string' ? v['@type'] : '';
  if (type.endsWith('TypedStruct') && isRecord(v.value)) return v.value;
  return v;
}

interface Scope {
  key: string;
  names: string[];
  namespace: string | undefined;
  labels: Record<string, string>;
  context: string;
  localFilter?: Json;
  localRoute?: Json;
  global?: { domain: string; failureModeDeny: boolean };
  actionSets: DescriptorAction[][];
}

function targetFor(scope: Scope): { target: TargetMatcher; direction: 'inbound' | 'outbound' } {
  if (scope.context === 'GATEWAY') return { target: { kind: 'gateway', name: '*', labels: scope.labels }, direction: 'inbound' };
  return {
    target: { kind: 'workload', namespace: scope.namespace, labels: scope.labels },
    direction: scope.context === 'SIDECAR_OUTBOUND' ? 'outbound' : 'inbound',
  };
}

function percent(v: unknown): number | undefined {
  if (!isRecord(v) || !isRecord(v.default_value)) return undefined;
  const dv = v.default_value;
  const denominators: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };
  const denominator = denominators[String(dv.denominator ?? 'HUNDRED')] ?? 100;
  return (Number(dv.numerator ?? 0) / denominator) * 100;
}

function tokenBucket(v: unknown, where: string): TokenBucketSpec {
  if (!isRecord(v)) throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', `${where}: token_bucket missing`);
  const maxTokens = Number(v.max_tokens);
  const tokensPerFill = v.tokens_per_fill === undefined ? 1 : Number(v.tokens_per_fill);
  const fillIntervalMs = parseEnvoyDuration(v.fill_interval);
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || !Number.isInteger(tokensPerFill) || tokensPerFill < 1 || !fillIntervalMs) {
    throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', `${where}: token_bucket needs max_tokens, tokens_per_fill >= 1 and fill_interval`);
  }
  return { maxTokens, tokensPerFill, fillIntervalMs };
}

function collectScopes(envoyFilters: readonly KubeObject[], problems: Problem[]): Scope[] {
  const scopes = new Map<string, Scope>();
  for (const ef of envoyFilters) {
    const ns = ef.metadata.namespace ?? 'default';
    const id = `EnvoyFilter ${ns}/${ef.metadata.name}`;
    const spec = isRecord(ef.spec) ? ef.spec : {};
    const selector = isRecord(spec.workloadSelector) && isRecord(spec.workloadSelector.labels) ? spec.workloadSelector.labels : {};
    const labels = Object.fromEntries(Object.entries(selector).map(([k, v]) => [k, String(v)]));
    for (const cp of Array.isArray(spec.configPatches) ? spec.configPatches.filter(isRecord) : []) {
      const context = isRecord(cp.match) && typeof cp.match.context === 'string' ? cp.match.context : 'ANY';
      const namespace = ns === ISTIO_ROOT_NAMESPACE ? undefined : ns;
      const key = JSON.stringify([namespace ?? '*', context, Object.entries(labels).sort()]);
      const value = isRecord(cp.patch) && isRecord(cp.patch.value) ? cp.patch.value : undefined;
      if (!value) continue;
      const scope = scopes.get(key) ?? { key, names: [], namespace, labels, context, actionSets: [] };
      let touched = false;
      try {
        if (cp.applyTo === 'HTTP_FILTER' && value.name === LOCAL_FILTER) {
          scope.localFilter = unwrapTyped(value.typed_config) ?? {};
          touched = true;
        } else if (cp.applyTo === 'HTTP_FILTER' && value.name === GLOBAL_FILTER) {
          const cfg = unwrapTyped(value.typed_config) ?? {};
          if (typeof cfg.domain !== 'string' || cfg.domain === '') throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', `${GLOBAL_FILTER} needs a domain`);
          scope.global = { domain: cfg.domain, failureModeDeny: cfg.failure_mode_deny === true };
          touched = true;
        } else if (cp.applyTo === 'HTTP_ROUTE' || cp.applyTo === 'VIRTUAL_HOST') {
          const holder = cp.applyTo === 'HTTP_ROUTE' && isRecord(value.route) ? value.route : value;
          const rateLimits = Array.isArray(holder.rate_limits) ? holder.rate_limits.filter(isRecord) : [];
          for (const rl of rateLimits) scope.actionSets.push(compileActionSet(rl));
          const perFilter = isRecord(value.typed_per_filter_config) ? unwrapTyped(value.typed_per_filter_config[LOCAL_FILTER]) : undefined;
          if (perFilter) scope.localRoute = perFilter;
          touched = rateLimits.length > 0 || perFilter !== undefined;
        }
      } catch (err) {
        problems.push({ object: id, message: (err as Error).message });
        continue;
      }
      if (!touched) continue;
      if (!scope.names.includes(id)) scope.names.push(id);
      scopes.set(key, scope);
    }
  }
  return [...scopes.values()];
}

function entriesName(entries: readonly { key: string; value: string }[]): string {
  return entries.map((e) => (e.value ? `${e.key}_${e.value}` : e.key)).join('.');
}

function localPolicy(scope: Scope, problems: Problem[]): CompiledPolicy | undefined {
  const config = scope.localRoute ?? scope.localFilter;
  if (!config) return undefined;
  const id = scope.names.join('+');
  const enabled = percent(config.filter_enabled) ?? 0;
  if (enabled <= 0) {
    problems.push({ object: id, message: 'local_ratelimit filter_enabled is 0% (Envoy default): the limit is off' });
    return undefined;
  }
  const shadow = (percent(config.filter_enforced) ?? 0) <= 0;
  const defaultBucket = config.token_bucket !== undefined ? tokenBucket(config.token_bucket, `${id} token_bucket`) : undefined;
  const alwaysConsumeDefault = config.always_consume_default_token_bucket !== false;
  const descriptors = (Array.isArray(config.descriptors) ? config.descriptors.filter(isRecord) : [])
    .map((d, i) => {
      const entries = (Array.isArray(d.entries) ? d.entries.filter(isRecord) : []).map((e) => ({ key: String(e.key ?? ''), value: e.value === undefined ? '' : String(e.value) }));
      return { entries, bucket: tokenBucket(d.token_bucket, `${id} descriptors[${i}]`), name: entriesName(entries) };
    })
    .sort((a, b) => a.bucket.tokensPerFill / a.bucket.fillIntervalMs - b.bucket.tokensPerFill / b.bucket.fillIntervalMs);
  const deniedResponseHeaders: Record<string, string> = {};
  for (const h of Array.isArray(config.response_headers_to_add) ? config.response_headers_to_add.filter(isRecord) : []) {
    if (isRecord(h.header) && typeof h.header.key === 'string') deniedResponseHeaders[h.header.key] = String(h.header.value ?? '');
  }
  const actionSets = scope.actionSets;
  const { target, direction } = targetFor(scope);
  return {
    id,
    target,
    direction,
    mode: 'local',
    domain: id,
    failureModeDeny: false,
    deniedResponseHeaders,
    resolve(r: RateLimitRequest): LimitHit[] {
      const produced = actionSets.map((set) => produceDescriptor(set, r)).filter((d) => d !== undefined);
      const hits: LimitHit[] = [];
      for (const d of descriptors) {
        const match = produced.find(
          (p) => p.length === d.entries.length && p.every((e, i) => e.key === d.entries[i]!.key && (d.entries[i]!.value === '' || e.value === d.entries[i]!.value)),
        );
        if (match) hits.push({ name: d.name, entries: match, rate: { kind: 'bucket', bucket: d.bucket }, shadowMode: shadow });
      }
      if (defaultBucket && (hits.length === 0 || alwaysConsumeDefault)) {
        hits.push({ name: 'default', entries: [], rate: { kind: 'bucket', bucket: defaultBucket }, shadowMode: shadow });
      }
      return hits;
    },
  };
}

function globalPolicy(
  id: string,
  config: RateLimitDomainConfig,
  actionSets: readonly (readonly DescriptorAction[])[],
  placement: { target: TargetMatcher; direction: 'inbound' | 'outbound' },
  failureModeDeny: boolean,
): CompiledPolicy {
  return {
    id,
    ...placement,
    mode: 'global',
    domain: config.domain,
    failureModeDeny,
    resolve(r: RateLimitRequest): LimitHit[] {
      const hits: LimitHit[] = [];
      for (const set of actionSets) {
        const entries = produceDescriptor(set, r);
        if (!entries) continue;
        const found = lookupDescriptor(config.descriptors, entries);
        const rl = found?.node.rateLimit;
        if (!found || !rl || rl.unlimited) continue;
        hits.push({
          name: found.name,
          entries,
          rate: { kind: 'window', window: { requests: rl.requests, unit: rl.unit, algorithm: 'fixed-window' } },
          shadowMode: found.node.shadowMode,
        });
      }
      return hits;
    },
  };
}

/** Actions for a domain no EnvoyFilter names: one action set per root-to-leaf key path. */
function inferActionSets(nodes: readonly DescriptorTreeNode[]): DescriptorAction[][] {
  const sets = new Map<string, DescriptorAction[]>();
  const actionFor = (n: DescriptorTreeNode): DescriptorAction | undefined => {
    const k = n.key.toLowerCase();
    if (k === 'path' || k === ':path') return descriptorActions.requestHeader(':path', n.key);
    if (k === 'remote_address') return descriptorActions.remoteAddress(n.key);
    if (k === 'source_cluster') return descriptorActions.sourceWorkload(n.key);
    if (k === 'destination_cluster') return descriptorActions.destinationService(n.key);
    if (k === 'generic_key') return n.value === undefined ? undefined : descriptorActions.generic(n.key, n.value);
    if (k === 'header_match') return undefined;
    return descriptorActions.requestHeader(k, n.key);
  };
  const walk = (level: readonly DescriptorTreeNode[], prefix: DescriptorAction[], keys: string[]) => {
    for (const n of level) {
      const action = actionFor(n);
      if (!action) continue;
      const path = [...keys, n.key];
      const set = [...prefix, action];
      if (n.rateLimit && !sets.has(path.join('\u0000'))) sets.set(path.join('\u0000'), set);
      walk(n.children, set, path);
    }
  };
  walk(nodes, [], []);
  return [...sets.values()];
}

function annotatedPlacement(config: RateLimitDomainConfig, services: readonly KubeObject[]): { target: TargetMatcher; direction: 'inbound' | 'outbound' } {
  const cm = config.configMap;
  const ns = cm.metadata.namespace ?? 'default';
  const spec = cm.metadata.annotations?.[RATELIMIT_TARGET_ANNOTATION] ?? 'gateway/*';
  const [kind, name] = spec.split('/', 2);
  if (kind === 'service' && name) {
    const svc = services.find((s) => s.metadata.name === name && (s.metadata.namespace ?? 'default') === ns);
    const selector = (svc?.spec as ServiceSpec | undefined)?.selector;
    if (!selector || Object.keys(selector).length === 0) return { target: { kind: 'none', reason: `service "${ns}/${name}" not found or has no selector` }, direction: 'inbound' };
    return { target: { kind: 'workload', namespace: ns, labels: { ...selector } }, direction: 'inbound' };
  }
  if (kind === 'gateway') return { target: { kind: 'gateway', name: name || '*' }, direction: 'inbound' };
  return { target: { kind: 'none', reason: `${RATELIMIT_TARGET_ANNOTATION} must be gateway/<name|*> or service/<name>, got "${spec}"` }, direction: 'inbound' };
}

export function translateEnvoyFilters(
  envoyFilters: readonly KubeObject[],
  configMaps: readonly KubeObject[],
  services: readonly KubeObject[] = [],
): { policies: CompiledPolicy[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const policies: CompiledPolicy[] = [];
  const { configs, problems: configProblems } = readRateLimitConfigs(configMaps);
  problems.push(...configProblems);
  const usedDomains = new Set<string>();
  for (const scope of collectScopes(envoyFilters, problems)) {
    try {
      const local = localPolicy(scope, problems);
      if (local) policies.push(local);
    } catch (err) {
      problems.push({ object: scope.names.join('+'), message: (err as Error).message });
    }
    if (!scope.global) continue;
    const config = configs.find((c) => c.domain === scope.global!.domain);
    usedDomains.add(scope.global.domain);
    if (!config) {
      problems.push({ object: scope.names.join('+'), message: `no envoyproxy/ratelimit config for domain "${scope.global.domain}" in a ConfigMap` });
      continue;
    }
    policies.push(globalPolicy(`${scope.names.join('+')} (${config.origin})`, config, scope.actionSets, targetFor(scope), scope.global.failureModeDeny));
  }
  for (const config of configs) {
    if (usedDomains.has(config.domain)) continue;
    const deny = config.configMap.metadata.annotations?.[RATELIMIT_FAILURE_MODE_ANNOTATION] === 'true';
    const placement = annotatedPlacement(config, services);
    if (placement.target.kind === 'none') problems.push({ object: config.origin, message: placement.target.reason });
    policies.push(globalPolicy(config.origin, config, inferActionSets(config.descriptors), placement, deny));
  }
  return { policies, problems };
}
