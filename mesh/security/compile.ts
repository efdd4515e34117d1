// Compiles AuthorizationPolicy objects into predicates over RequestAttributes,
// keeping only the policies that apply to one enforcing proxy. Done once per
// policy-set change; per request only the predicates run.

import type { KubeObject, Service } from '../../control/api/index.ts';
import type {
  AuthorizationCondition,
  AuthorizationOperation,
  AuthorizationPolicySpec,
  AuthorizationRule,
  AuthorizationSource,
  PolicyTargetReference,
} from '../../control/api/istio.ts';
import type { ProxyIdentity } from '../config/identity.ts';
import type { RequestAttributes } from './attributes.ts';
import type { ValueMatcher } from './match.ts';
import { anyOf, cidrMatcher, pathMatcher, stringMatcher } from './match.ts';

export type RequestPredicate = (a: RequestAttributes) => boolean;

export type EnforcedAction = 'ALLOW' | 'DENY' | 'AUDIT';

export interface CompiledPolicy {
  /** `namespace/name`. */
  readonly key: string;
  readonly action: EnforcedAction;
  /** One predicate per rule; the policy matches when any does. */
  readonly rules: readonly RequestPredicate[];
}

export interface CompiledPolicySet {
  readonly deny: readonly CompiledPolicy[];
  readonly allow: readonly CompiledPolicy[];
  readonly audit: readonly CompiledPolicy[];
}

export interface CompileOptions {
  identity: ProxyIdentity;
  rootNamespace: string;
  services?: readonly Service[];
  /** Called for each unsupported construct met; the caller de-duplicates. */
  warn: (key: string, message: string) => void;
}

const ALWAYS: RequestPredicate = () => true;
const NEVER: RequestPredicate = () => false;

/** `values` OR-match and none of `notValues` matches; absent lists are no constraint. */
function field(values: string[] | undefined, notValues: string[] | undefined, make: (p: string) => ValueMatcher, get: (a: RequestAttributes) => string | undefined): RequestPredicate | undefined {
  const pos = anyOf(values, make);
  const neg = anyOf(notValues, make);
  if (!pos && !neg) return undefined;
  return (a) => {
    const v = get(a);
    return (!pos || pos(v)) && (!neg || !neg(v));
  };
}

function all(preds: (RequestPredicate | undefined)[]): RequestPredicate {
  const list = preds.filter((p): p is RequestPredicate => p !== undefined);
  if (list.length === 0) return ALWAYS;
  if (list.length === 1) return list[0]!;
  return (a) => list.every((p) => p(a));
}

function some(preds: RequestPredicate[]): RequestPredicate {
  if (preds.length === 0) return ALWAYS;
  if (preds.length === 1) return preds[0]!;
  return (a) => preds.some((p) => p(a));
}

const stripSpiffe = (p: string): string => (p.startsWith('spiffe://') ? p.slice(9) : p);
const principalMatcher = (p: string): ValueMatcher => stringMatcher(stripSpiffe(p));
const cidrOf = (p: string): ValueMatcher => cidrMatcher([p]);
const portMatcher = (p: string): ValueMatcher => (v) => v !== undefined && v === String(Number(p));

/** Hosts are case-insensitive and also match the Host header without its port. */
function hostMatcher(p: string): ValueMatcher {
  const m = stringMatcher(p, true);
  return (v) => {
    if (v === undefined) return false;
    if (m(v)) return true;
    const colon = v.lastIndexOf(':');
    return colon > 0 && !v.endsWith(']') && m(v.slice(0, colon));
  };
}

function headerValue(headers: RequestAttributes['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

function compileSource(s: AuthorizationSource): RequestPredicate {
  return all([
    field(s.principals, s.notPrincipals, principalMatcher, (a) => a.principal),
    // No JWT authentication in meshlet: a request never has a request principal.
    field(s.requestPrincipals, s.notRequestPrincipals, stringMatcher, () => undefined),
    field(s.namespaces, s.notNamespaces, stringMatcher, (a) => a.namespace),
    field(s.ipBlocks, s.notIpBlocks, cidrOf, (a) => a.sourceIp),
    field(s.remoteIpBlocks, s.notRemoteIpBlocks, cidrOf, (a) => a.remoteIp),
  ]);
}

function compileOperation(o: AuthorizationOperation): RequestPredicate {
  return all([
    field(o.hosts, o.notHosts, hostMatcher, (a) => a.host),
    field(o.ports, o.notPorts, portMatcher, (a) => String(a.port)),
    field(o.methods, o.notMethods, stringMatcher, (a) => a.method),
    field(o.paths, o.notPaths, pathMatcher, (a) => a.path),
  ]);
}

const HEADER_KEY = /^request\.headers\[(.+)\]$/;

/** Keys meshlet can evaluate; others (request.auth.*, connection.sni, ...) make the condition never match. */
export function conditionGetter(key: string): { get: (a: RequestAttributes) => string | undefined; make: (p: string) => ValueMatcher } | undefined {
  const header = HEADER_KEY.exec(key);
  if (header) {
    const name = header[1]!;
    return { get: (a) => headerValue(a.headers, name), make: stringMatcher };
  }
  switch (key) {
    case 'source.ip':
      return { get: (a) => a.sourceIp, make: cidrOf };
    case 'remote.ip':
      return { get: (a) => a.remoteIp, make: cidrOf };
    case 'source.namespace':
      return { get: (a) => a.namespace, make: stringMatcher };
    case 'source.principal':
      return { get: (a) => a.principal, make: principalMatcher };
    case 'destination.port':
      return { get: (a) => String(a.port), make: portMatcher };
    case 'destination.ip':
      return { get: (a) => a.destinationIp, make: cidrOf };
    default:
      return undefined;
  }
}

function compileCondition(c: AuthorizationCondition, warn: (message: string) => void): RequestPredicate {
  const g = conditionGetter(c.key);
  if (!g) {
    warn(`condition key ${JSON.stringify(c.key)} is not supported; the condition never matches`);
    return NEVER;
  }
  return field(c.values, c.notValues, g.make, g.get) ?? ALWAYS;
}

export function compileRule(rule: AuthorizationRule, warn: (message: string) => void): RequestPredicate {
  const from = (rule.from ?? []).map((f) => compileSource(f.source ?? {}));
  const to = (rule.to ?? []).map((t) => compileOperation(t.operation ?? {}));
  const when = (rule.when ?? []).map((c) => compileCondition(c, warn));
  return all([from.length ? some(from) : undefined, to.length ? some(to) : undefined, ...when]);
}

function targetRefMatches(ref: PolicyTargetReference, ns: string, o: CompileOptions, warn: (message: string) => void): boolean {
  const refNs = ref.namespace ?? ns;
  if (refNs !== o.identity.namespace) return false;
  const group = ref.group ?? '';
  if (ref.kind === 'Service' && (group === '' || group === 'core')) {
    const svc = o.services?.find((s) => s.metadata.name === ref.name && (s.metadata.namespace ?? 'default') === refNs);
    const selector = svc?.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return false;
    return Object.entries(selector).every(([k, v]) => o.identity.labels[k] === v);
  }
  if (ref.kind === 'Gateway' && group === 'gateway.networking.k8s.io') {
    return o.identity.kind === 'gateway' && o.identity.labels['gateway.networking.k8s.io/gateway-name'] === ref.name;
  }
  warn(`targetRef kind ${group ? `${group}/` : ''}${ref.kind} is not supported; the policy is not applied`);
  return false;
}

/** Whether a policy in namespace `ns` applies to the enforcing proxy. */
export function policyApplies(spec: AuthorizationPolicySpec, ns: string, o: CompileOptions, warn: (message: string) => void): boolean {
  const refs = spec.targetRefs?.length ? spec.targetRefs : spec.targetRef ? [spec.targetRef] : [];
  if (refs.length > 0) return refs.some((r) => targetRefMatches(r, ns, o, warn));
  if (ns !== o.rootNamespace && ns !== o.identity.namespace) return false;
  const labels = spec.selector?.matchLabels ?? {};
  return Object.entries(labels).every(([k, v]) => o.identity.labels[k] === v);
}

export function compilePolicies(objects: readonly KubeObject[], o: CompileOptions): CompiledPolicySet {
  const deny: CompiledPolicy[] = [];
  const allow: CompiledPolicy[] = [];
  const audit: CompiledPolicy[] = [];
  const sorted = [...objects].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  for (const obj of sorted) {
    const key = keyOf(obj);
    const warn = (message: string): void => o.warn(`${key}: ${message}`, `mesh/security: AuthorizationPolicy ${key}: ${message}`);
    const spec = (obj.spec ?? {}) as AuthorizationPolicySpec;
    const ns = obj.metadata.namespace ?? 'default';
    if (!policyApplies(spec, ns, o, warn)) continue;
    const action = spec.action ?? 'ALLOW';
    if (action === 'CUSTOM') {
      warn('action CUSTOM (external authorizer) is not supported; the policy is ignored');
      continue;
    }
    if (action !== 'ALLOW' && action !== 'DENY' && action !== 'AUDIT') {
      warn(`unknown action ${JSON.stringify(action)}; the policy is ignored`);
      continue;
    }
    // `rules` absent or empty: the policy matches nothing (ALLOW → allow-nothing, DENY → no effect).
    let rules: RequestPredicate[];
    try {
      rules = (spec.rules ?? []).map((r) => compileRule(r ?? {}, warn));
    } catch (err) {
      // Malformed beyond what validation lets through (e.g. stored before validation): fail closed, as Istio does.
      warn(`cannot be compiled (${(err as Error).message}); it ${action === 'DENY' ? 'denies every request' : 'allows nothing'}`);
      rules = action === 'DENY' ? [ALWAYS] : [];
    }
    const compiled: CompiledPolicy = { key, action, rules };
    (action === 'DENY' ? deny : action === 'ALLOW' ? allow : audit).push(compiled);
  }
  return { deny, allow, audit };
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
}

/** Index of the first rule of `p` matching `a`, or -1. */
export function matchingRule(p: CompiledPolicy, a: RequestAttributes): number {
  return p.rules.findIndex((r) => r(a));
}
