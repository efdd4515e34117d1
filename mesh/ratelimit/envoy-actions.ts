// Envoy route `rate_limits[].actions` and HeaderMatcher, compiled to the
// internal descriptor actions. Unsupported actions throw (the translator reports them).

import { RateLimitError } from './errors.ts';
import { allOf, descriptorActions, headerValue } from './match.ts';
import type { DescriptorAction, DescriptorEntry, RequestPredicate } from './model.ts';
import type { RateLimitRequest } from './types.ts';

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Envoy StringMatcher (exact, prefix, suffix, contains, safe_regex; ignore_case). */
export function compileEnvoyStringMatcher(m: Json): (value: string) => boolean {
  const ic = m.ignore_case === true;
  const norm = (v: string) => (ic ? v.toLowerCase() : v);
  const exact = str(m.exact);
  if (exact !== undefined) return (v) => norm(v) === norm(exact);
  const prefix = str(m.prefix);
  if (prefix !== undefined) return (v) => norm(v).startsWith(norm(prefix));
  const suffix = str(m.suffix);
  if (suffix !== undefined) return (v) => norm(v).endsWith(norm(suffix));
  const contains = str(m.contains);
  if (contains !== undefined) return (v) => norm(v).includes(norm(contains));
  const regex = isRecord(m.safe_regex) ? str(m.safe_regex.regex) : undefined;
  if (regex !== undefined) {
    const re = new RegExp(`^(?:${regex})$`, ic ? 'i' : '');
    return (v) => re.test(v);
  }
  throw new RateLimitError('MESHLET_RATELIMIT_UNSUPPORTED', `unsupported string matcher ${JSON.stringify(m)}`);
}

/** Envoy config.route.v3.HeaderMatcher. */
export function compileHeaderMatcher(h: Json): RequestPredicate {
  const name = str(h.name);
  if (!name) throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', 'header matcher without name');
  const invert = h.invert_match === true;
  let test: ((v: string) => boolean) | undefined;
  if (isRecord(h.string_match)) test = compileEnvoyStringMatcher(h.string_match);
  else if (h.exact_match !== undefined) test = compileEnvoyStringMatcher({ exact: h.exact_match });
  else if (h.prefix_match !== undefined) test = compileEnvoyStringMatcher({ prefix: h.prefix_match });
  else if (h.suffix_match !== undefined) test = compileEnvoyStringMatcher({ suffix: h.suffix_match });
  else if (h.contains_match !== undefined) test = compileEnvoyStringMatcher({ contains: h.contains_match });
  else if (isRecord(h.safe_regex_match)) test = compileEnvoyStringMatcher({ safe_regex: h.safe_regex_match });
  const present = h.present_match;
  return (r: RateLimitRequest) => {
    const v = headerValue(r, name);
    let ok: boolean;
    if (test) ok = v !== undefined && test(v);
    else if (present === false) ok = v === undefined;
    else ok = v !== undefined;
    return ok !== invert;
  };
}

function maskedRemoteAddress(bits: number): DescriptorAction {
  return (r) => {
    const parts = r.sourceIp.replace(/^::ffff:/, '').split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p))) return undefined;
    const n = ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
    const masked = bits === 0 ? 0 : (n >>> (32 - bits)) * 2 ** (32 - bits);
    const ip = [24, 16, 8, 0].map((s) => Math.floor(masked / 2 ** s) % 256).join('.');
    return { key: 'masked_remote_address', value: `${ip}/${bits}` };
  };
}

/** One Envoy rate limit action. */
export function compileEnvoyAction(action: Json): DescriptorAction {
  if (isRecord(action.source_cluster)) return descriptorActions.sourceWorkload('source_cluster');
  if (isRecord(action.destination_cluster)) return descriptorActions.destinationService('destination_cluster');
  if (isRecord(action.remote_address)) return descriptorActions.remoteAddress('remote_address');
  if (isRecord(action.masked_remote_address)) {
    const bits = action.masked_remote_address.v4_prefix_mask_len;
    return maskedRemoteAddress(typeof bits === 'number' ? bits : 32);
  }
  if (isRecord(action.request_headers)) {
    const rh = action.request_headers;
    const header = str(rh.header_name);
    const key = str(rh.descriptor_key);
    if (!header || !key) throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', 'request_headers needs header_name and descriptor_key');
    return descriptorActions.requestHeader(header, key);
  }
  if (isRecord(action.generic_key)) {
    const value = str(action.generic_key.descriptor_value);
    if (value === undefined) throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', 'generic_key needs descriptor_value');
    return descriptorActions.generic(str(action.generic_key.descriptor_key) ?? 'generic_key', value);
  }
  if (isRecord(action.header_value_match)) {
    const hv = action.header_value_match;
    const value = str(hv.descriptor_value);
    if (value === undefined) throw new RateLimitError('MESHLET_RATELIMIT_INVALID_POLICY', 'header_value_match needs descriptor_value');
    const headers = Array.isArray(hv.headers) ? hv.headers.filter(isRecord).map(compileHeaderMatcher) : [];
    const expect = hv.expect_match !== false;
    const all = allOf(headers);
    return descriptorActions.valueWhen(str(hv.descriptor_key) ?? 'header_match', value, (r) => all(r) === expect);
  }
  throw new RateLimitError('MESHLET_RATELIMIT_UNSUPPORTED', `unsupported rate limit action ${Object.keys(action).join(',') || '{}'}`);
}

/** A `rate_limits[]` entry: all actions must produce an entry, else no descriptor. */
export function compileActionSet(rateLimit: Json): DescriptorAction[] {
  const actions = Array.isArray(rateLimit.actions) ? rateLimit.actions.filter(isRecord) : [];
  return actions.map(compileEnvoyAction);
}

export function produceDescriptor(actions: readonly DescriptorAction[], r: RateLimitRequest): DescriptorEntry[] | undefined {
  const entries: DescriptorEntry[] = [];
  for (const a of actions) {
    const e = a(r);
    if (!e) return undefined;
    entries.push(e);
  }
  return entries.length > 0 ? entries : undefined;
}

/** protobuf Duration JSON (`60s`, `0.25s`) or `{seconds, nanos}` → ms. */
export function parseEnvoyDuration(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const m = v.match(/^(\d+(?:\.\d+)?)s$/);
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  if (isRecord(v)) {
    const seconds = Number(v.seconds ?? 0);
    const nanos = Number(v.nanos ?? 0);
    return Number.isFinite(seconds) && Number.isFinite(nanos) ? seconds * 1000 + Math.round(nanos / 1e6) : undefined;
  }
  return undefined;
}
