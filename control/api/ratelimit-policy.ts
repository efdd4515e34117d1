// RateLimitPolicy (policy.meshlet.dev/v1alpha1): meshlet's own rate-limit
// resource, and its validation. Dependency-free: the API server calls
// `validateRateLimitPolicy` on create/update; the sidecar's rate limiter
// (mesh/ratelimit) compiles valid objects into limiters.
//
// A policy picks where it is enforced (`target`), how requests are counted
// (`mode`, `algorithm`) and a list of `rules`. Every rule whose `match`
// accepts a request charges one budget, keyed by the rule's `descriptors`.
// A request is rejected when any non-shadow rule it charges is over its limit.

import type { StatusCause } from './errors.ts';
import type { KubeObject, Labels, ObjectInput } from './objects.ts';

export type RateLimitUnit = 'second' | 'minute' | 'hour' | 'day';
export type RateLimitMode = 'local' | 'global';
export type RateLimitAlgorithm = 'fixed-window' | 'sliding-window';

/** Istio-style string match: exactly one of exact, prefix, regex. */
export interface RateLimitStringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
  ignoreCase?: boolean;
}

export interface RateLimitTarget {
  /** Pods selected by this Service (same namespace) enforce the policy on inbound requests. */
  service?: string;
  /** Pods with these labels (same namespace) enforce the policy on inbound requests. */
  workloadSelector?: { matchLabels: Labels };
  /** The ingress gateway with this name (`*` for any) enforces the policy. */
  gateway?: string;
}

export interface RateLimitSourceMatch {
  /** Source workload name (a Deployment's or bare pod's name). */
  workload?: string;
  namespace?: string;
  /** CIDR blocks or single addresses of the client. */
  ipBlocks?: string[];
}

/** One match block: all present conditions must hold (AND). */
export interface RateLimitMatch {
  path?: RateLimitStringMatch;
  /** Upper-case HTTP methods; any of them matches. */
  methods?: string[];
  /** Header name (case-insensitive) → match. */
  headers?: Record<string, RateLimitStringMatch>;
  source?: RateLimitSourceMatch;
}

/** What a rule's budget is keyed by: one budget per distinct value. */
export type RateLimitDescriptor =
  | { type: 'remoteAddress' }
  | { type: 'path' }
  | { type: 'sourceWorkload' }
  | { type: 'header'; header: string };

export interface RateLimitLimit {
  requests: number;
  unit: RateLimitUnit;
  /** Local mode only: bucket size (Envoy max_tokens); defaults to `requests`. */
  burst?: number;
}

export interface RateLimitRule {
  /** Names the rule in metrics, logs and counter keys; defaults to `rule-<index>`. */
  name?: string;
  /** Blocks are OR-ed; absent or empty: every request. */
  match?: RateLimitMatch[];
  /** Absent or empty: one budget for all requests the rule matches. */
  descriptors?: RateLimitDescriptor[];
  limit: RateLimitLimit;
  /** Count and report, never reject (overrides spec.shadowMode for this rule). */
  shadowMode?: boolean;
}

export interface RateLimitPolicySpec {
  target: RateLimitTarget;
  /** `local`: a token bucket per proxy. `global`: one budget shared by every proxy. Default local. */
  mode?: RateLimitMode;
  /** Global mode only; default fixed-window (envoyproxy/ratelimit's scheme). */
  algorithm?: RateLimitAlgorithm;
  shadowMode?: boolean;
  /** Global mode only: when the counter store is unreachable, reject with 500 instead of allowing. */
  failureModeDeny?: boolean;
  rules: RateLimitRule[];
}

export type RateLimitPolicy = KubeObject<RateLimitPolicySpec, Record<string, unknown>>;

const UNITS: readonly RateLimitUnit[] = ['second', 'minute', 'hour', 'day'];
const MODES: readonly RateLimitMode[] = ['local', 'global'];
const ALGORITHMS: readonly RateLimitAlgorithm[] = ['fixed-window', 'sliding-window'];
const DESCRIPTOR_TYPES = ['remoteAddress', 'path', 'sourceWorkload', 'header'] as const;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RULE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IP_BLOCK = /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/;

type Causes = StatusCause[];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function required(causes: Causes, field: string, message = 'Required value'): void {
  causes.push({ field, reason: 'FieldValueRequired', message });
}

function badValue(causes: Causes, field: string, value: unknown, message: string): void {
  causes.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${message}` });
}

function unsupported(causes: Causes, field: string, value: unknown, allowed: readonly string[]): void {
  causes.push({
    field,
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`,
  });
}

function checkBoolean(causes: Causes, field: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean') badValue(causes, field, v, 'must be a boolean');
}

function checkStringMatch(causes: Causes, field: string, v: unknown): void {
  if (!isRecord(v)) return badValue(causes, field, v, 'must be an object with one of exact, prefix, regex');
  const kinds = (['exact', 'prefix', 'regex'] as const).filter((k) => v[k] !== undefined);
  if (kinds.length !== 1) return badValue(causes, field, v, 'exactly one of exact, prefix, regex must be set');
  const kind = kinds[0]!;
  const value = v[kind];
  if (typeof value !== 'string') return badValue(causes, `${field}.${kind}`, value, 'must be a string');
  if (kind === 'regex') {
    try {
      new RegExp(value);
    } catch {
      badValue(causes, `${field}.regex`, value, 'must be a valid regular expression');
    }
  }
  checkBoolean(causes, `${field}.ignoreCase`, v.ignoreCase);
}

function checkTarget(causes: Causes, field: string, v: unknown): void {
  if (v === undefined) return required(causes, field);
  if (!isRecord(v)) return badValue(causes, field, v, 'must be an object');
  const set = (['service', 'workloadSelector', 'gateway'] as const).filter((k) => v[k] !== undefined);
  if (set.length !== 1) {
    return badValue(causes, field, v, 'exactly one of service, workloadSelector, gateway must be set');
  }
  if (v.service !== undefined && (typeof v.service !== 'string' || v.service === '')) {
    badValue(causes, `${field}.service`, v.service, 'must be a non-empty Service name');
  }
  if (v.gateway !== undefined && (typeof v.gateway !== 'string' || v.gateway === '')) {
    badValue(causes, `${field}.gateway`, v.gateway, 'must be a gateway name or "*"');
  }
  if (v.workloadSelector !== undefined) {
    const sel = v.workloadSelector;
    const labels = isRecord(sel) ? sel.matchLabels : undefined;
    if (!isRecord(labels) || Object.keys(labels).length === 0) {
      required(causes, `${field}.workloadSelector.matchLabels`, 'Required value: at least one label');
    } else {
      for (const [k, lv] of Object.entries(labels)) {
        if (typeof lv !== 'string') badValue(causes, `${field}.workloadSelector.matchLabels[${k}]`, lv, 'must be a string');
      }
    }
  }
}

function checkMatch(causes: Causes, field: string, v: unknown): void {
  if (!isRecord(v)) return badValue(causes, field, v, 'must be an object');
  if (v.path !== undefined) checkStringMatch(causes, `${field}.path`, v.path);
  if (v.methods !== undefined) {
    if (!Array.isArray(v.methods) || v.methods.length === 0) badValue(causes, `${field}.methods`, v.methods, 'must be a non-empty list');
    else
      v.methods.forEach((m: unknown, i: number) => {
        if (typeof m !== 'string' || !/^[A-Z]+$/.test(m)) badValue(causes, `${field}.methods[${i}]`, m, 'must be an upper-case HTTP method');
      });
  }
  if (v.headers !== undefined) {
    if (!isRecord(v.headers)) badValue(causes, `${field}.headers`, v.headers, 'must be a map of header name to string match');
    else
      for (const [name, m] of Object.entries(v.headers)) {
        if (!HEADER_NAME.test(name)) badValue(causes, `${field}.headers`, name, 'must be a valid header name');
        checkStringMatch(causes, `${field}.headers[${name}]`, m);
      }
  }
  if (v.source !== undefined) {
    const s = v.source;
    if (!isRecord(s)) return badValue(causes, `${field}.source`, s, 'must be an object');
    for (const k of ['workload', 'namespace'] as const) {
      if (s[k] !== undefined && (typeof s[k] !== 'string' || s[k] === '')) badValue(causes, `${field}.source.${k}`, s[k], 'must be a non-empty string');
    }
    if (s.ipBlocks !== undefined) {
      if (!Array.isArray(s.ipBlocks)) badValue(causes, `${field}.source.ipBlocks`, s.ipBlocks, 'must be a list');
      else
        s.ipBlocks.forEach((b: unknown, i: number) => {
          if (typeof b !== 'string' || !IP_BLOCK.test(b)) badValue(causes, `${field}.source.ipBlocks[${i}]`, b, 'must be an IPv4 address or CIDR');
        });
    }
  }
}

function checkDescriptor(causes: Causes, field: string, v: unknown): void {
  if (!isRecord(v)) return badValue(causes, field, v, 'must be an object');
  if (!DESCRIPTOR_TYPES.includes(v.type as (typeof DESCRIPTOR_TYPES)[number])) {
    return unsupported(causes, `${field}.type`, v.type, DESCRIPTOR_TYPES);
  }
  if (v.type === 'header') {
    if (v.header === undefined) required(causes, `${field}.header`);
    else if (typeof v.header !== 'string' || !HEADER_NAME.test(v.header)) badValue(causes, `${field}.header`, v.header, 'must be a valid header name');
  }
}

function checkLimit(causes: Causes, field: string, v: unknown, mode: unknown): void {
  if (v === undefined) return required(causes, field);
  if (!isRecord(v)) return badValue(causes, field, v, 'must be an object');
  if (v.requests === undefined) required(causes, `${field}.requests`);
  else if (typeof v.requests !== 'number' || !Number.isInteger(v.requests) || v.requests < 1) {
    badValue(causes, `${field}.requests`, v.requests, 'must be an integer >= 1');
  }
  if (v.unit === undefined) required(causes, `${field}.unit`);
  else if (!UNITS.includes(v.unit as RateLimitUnit)) unsupported(causes, `${field}.unit`, v.unit, UNITS);
  if (v.burst !== undefined) {
    if (mode === 'global') badValue(causes, `${field}.burst`, v.burst, 'applies to mode local only');
    else if (typeof v.burst !== 'number' || !Number.isInteger(v.burst) || v.burst < 1) {
      badValue(causes, `${field}.burst`, v.burst, 'must be an integer >= 1');
    }
  }
}

function checkRule(causes: Causes, field: string, v: unknown, mode: unknown, names: Set<string>): void {
  if (!isRecord(v)) return badValue(causes, field, v, 'must be an object');
  if (v.name !== undefined) {
    if (typeof v.name !== 'string' || !RULE_NAME.test(v.name)) {
      badValue(causes, `${field}.name`, v.name, 'must be a DNS label (lower-case letters, digits, -)');
    } else if (names.has(v.name)) {
      causes.push({ field: `${field}.name`, reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(v.name)}` });
    } else names.add(v.name);
  }
  if (v.match !== undefined) {
    if (!Array.isArray(v.match)) badValue(causes, `${field}.match`, v.match, 'must be a list of match blocks');
    else v.match.forEach((m: unknown, i: number) => checkMatch(causes, `${field}.match[${i}]`, m));
  }
  if (v.descriptors !== undefined) {
    if (!Array.isArray(v.descriptors)) badValue(causes, `${field}.descriptors`, v.descriptors, 'must be a list');
    else v.descriptors.forEach((d: unknown, i: number) => checkDescriptor(causes, `${field}.descriptors[${i}]`, d));
  }
  checkLimit(causes, `${field}.limit`, v.limit, mode);
  checkBoolean(causes, `${field}.shadowMode`, v.shadowMode);
}

/**
 * Validates a RateLimitPolicy as a user wrote it. Returns Kubernetes
 * StatusCauses with field paths (`spec.rules[0].limit.unit`); empty when valid.
 */
export function validateRateLimitPolicy(obj: ObjectInput): StatusCause[] {
  const causes: Causes = [];
  const spec = obj.spec;
  if (spec === undefined) {
    required(causes, 'spec');
    return causes;
  }
  if (!isRecord(spec)) {
    badValue(causes, 'spec', spec, 'must be an object');
    return causes;
  }
  checkTarget(causes, 'spec.target', spec.target);
  if (spec.mode !== undefined && !MODES.includes(spec.mode as RateLimitMode)) unsupported(causes, 'spec.mode', spec.mode, MODES);
  const mode = spec.mode ?? 'local';
  if (spec.algorithm !== undefined) {
    if (!ALGORITHMS.includes(spec.algorithm as RateLimitAlgorithm)) unsupported(causes, 'spec.algorithm', spec.algorithm, ALGORITHMS);
    else if (mode !== 'global') badValue(causes, 'spec.algorithm', spec.algorithm, 'applies to mode global only (local mode is a token bucket)');
  }
  checkBoolean(causes, 'spec.shadowMode', spec.shadowMode);
  checkBoolean(causes, 'spec.failureModeDeny', spec.failureModeDeny);
  if (spec.failureModeDeny === true && mode !== 'global') {
    badValue(causes, 'spec.failureModeDeny', true, 'applies to mode global only');
  }
  if (spec.rules === undefined) required(causes, 'spec.rules');
  else if (!Array.isArray(spec.rules) || spec.rules.length === 0) badValue(causes, 'spec.rules', spec.rules, 'must be a non-empty list');
  else {
    const names = new Set<string>();
    spec.rules.forEach((r: unknown, i: number) => checkRule(causes, `spec.rules[${i}]`, r, mode, names));
  }
  return causes;
}
