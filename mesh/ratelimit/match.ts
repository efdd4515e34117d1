// Request matching and descriptor extraction shared by every policy source.
// Header names are compared case-insensitively; the HTTP/2 pseudo-headers
// Envoy configs use (:path, :method, :authority) read the request line.

import type { RateLimitStringMatch } from '../../control/api/ratelimit-policy.ts';
import type { DescriptorAction, RequestPredicate } from './model.ts';
import type { RateLimitRequest } from './types.ts';

export function headerValue(request: RateLimitRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower === ':path') return request.path;
  if (lower === ':method') return request.method;
  if (lower === ':authority' || lower === 'host') return request.authority || firstHeader(request, 'host');
  return firstHeader(request, lower);
}

function firstHeader(request: RateLimitRequest, lower: string): string | undefined {
  let v = request.headers[lower];
  if (v === undefined) {
    const key = Object.keys(request.headers).find((k) => k.toLowerCase() === lower);
    v = key === undefined ? undefined : request.headers[key];
  }
  return Array.isArray(v) ? v.join(',') : v;
}

/** Compiles an Istio-style string match; regexes are anchored like Istio's RE2 full match. */
export function compileStringMatch(m: RateLimitStringMatch): (value: string) => boolean {
  const ic = m.ignoreCase === true;
  if (m.exact !== undefined) {
    const want = ic ? m.exact.toLowerCase() : m.exact;
    return (v) => (ic ? v.toLowerCase() : v) === want;
  }
  if (m.prefix !== undefined) {
    const want = ic ? m.prefix.toLowerCase() : m.prefix;
    return (v) => (ic ? v.toLowerCase() : v).startsWith(want);
  }
  if (m.regex !== undefined) {
    const re = new RegExp(`^(?:${m.regex})$`, ic ? 'i' : '');
    return (v) => re.test(v);
  }
  return () => true;
}

export function pathWithoutQuery(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.replace(/^::ffff:/, '').split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    const b = Number(p);
    if (!Number.isInteger(b) || b < 0 || b > 255) return undefined;
    n = n * 256 + b;
  }
  return n;
}

export function ipInBlock(ip: string, block: string): boolean {
  const [base, bitsText] = block.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base ?? '');
  if (a === undefined || b === undefined) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

export const always: RequestPredicate = () => true;

export function allOf(predicates: readonly RequestPredicate[]): RequestPredicate {
  if (predicates.length === 0) return always;
  if (predicates.length === 1) return predicates[0]!;
  return (r) => predicates.every((p) => p(r));
}

export function anyOf(predicates: readonly RequestPredicate[]): RequestPredicate {
  if (predicates.length === 0) return always;
  if (predicates.length === 1) return predicates[0]!;
  return (r) => predicates.some((p) => p(r));
}

export function headerMatches(name: string, match: (v: string) => boolean, invert = false): RequestPredicate {
  return (r) => {
    const v = headerValue(r, name);
    return v === undefined ? invert : match(v) !== invert;
  };
}

/** Descriptor actions, named after Envoy's rate_limits actions. */
export const descriptorActions = {
  remoteAddress: (key = 'remote_address'): DescriptorAction => (r) => (r.sourceIp ? { key, value: r.sourceIp } : undefined),
  path: (key = 'path'): DescriptorAction => (r) => ({ key, value: pathWithoutQuery(r.path) }),
  sourceWorkload: (key = 'source_workload'): DescriptorAction => (r) =>
    r.sourceWorkload ? { key, value: r.sourceNamespace ? `${r.sourceNamespace}/${r.sourceWorkload}` : r.sourceWorkload } : undefined,
  destinationService: (key = 'destination_cluster'): DescriptorAction => (r) =>
    r.destinationService ? { key, value: r.destinationService } : undefined,
  requestHeader: (header: string, key: string, skipIfAbsent = true): DescriptorAction => (r) => {
    const value = headerValue(r, header);
    if (value === undefined) return skipIfAbsent ? undefined : { key, value: '' };
    return { key, value };
  },
  generic: (key: string, value: string): DescriptorAction => () => ({ key, value }),
  /** Envoy header_value_match: a fixed value when the predicate holds, else no descriptor. */
  valueWhen: (key: string, value: string, when: RequestPredicate): DescriptorAction => (r) => (when(r) ? { key, value } : undefined),
};
