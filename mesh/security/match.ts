// String, path, port and address matchers with Istio's AuthorizationPolicy
// semantics: `*` alone is a presence match, a leading `*` a suffix match, a
// trailing `*` a prefix match, anything else exact. Paths also take the
// `{*}` (one segment) and `{**}` (rest of the path) templates.

import { BlockList, isIP } from 'node:net';

/** Matches a present value; an absent value never matches a positive pattern. */
export type ValueMatcher = (value: string | undefined) => boolean;

export function stringMatcher(pattern: string, ignoreCase = false): ValueMatcher {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const norm = (v: string): string => (ignoreCase ? v.toLowerCase() : v);
  if (p === '*') return (v) => v !== undefined;
  if (p.startsWith('*')) {
    const suffix = p.slice(1);
    return (v) => v !== undefined && norm(v).endsWith(suffix);
  }
  if (p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return (v) => v !== undefined && norm(v).startsWith(prefix);
  }
  return (v) => v !== undefined && norm(v) === p;
}

const TEMPLATE = /\{\*\*?\}/;

export function isPathTemplate(pattern: string): boolean {
  return TEMPLATE.test(pattern);
}

export function pathMatcher(pattern: string): ValueMatcher {
  if (!isPathTemplate(pattern)) return stringMatcher(pattern);
  const source = pattern
    .split(/(\{\*\*\}|\{\*\})/)
    .map((part) => (part === '{**}' ? '.*' : part === '{*}' ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`);
  return (v) => v !== undefined && re.test(v);
}

/** A literal, or a `*` used as Istio allows it (alone, leading or trailing). */
export function isValidWildcard(pattern: string): boolean {
  const inner = pattern === '*' ? '' : pattern.replace(/^\*/, '').replace(/\*$/, '');
  return !inner.includes('*');
}

/** Strips the IPv4-mapped IPv6 prefix Node reports for v4 peers on dual-stack sockets. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** Parses `a.b.c.d`, `a.b.c.d/n` or an IPv6 form; undefined when invalid. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', bits, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d+$/.test(bits) ? Number(bits) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** One matcher for a list of CIDRs (OR); invalid entries are skipped (validation reports them). */
export function cidrMatcher(blocks: readonly string[]): ValueMatcher {
  const list = new BlockList();
  for (const b of blocks) {
    const c = parseCidr(b);
    if (c) list.addSubnet(c.address, c.prefix, c.family);
  }
  return (v) => {
    if (v === undefined) return false;
    const ip = normalizeIp(v);
    const version = isIP(ip);
    return version !== 0 && list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
  };
}

export function isValidPort(text: string): boolean {
  if (!/^\d+$/.test(text)) return false;
  const n = Number(text);
  return n >= 1 && n <= 65535;
}

/** OR over patterns; an empty or absent list is "no constraint" and yields undefined. */
export function anyOf(patterns: readonly string[] | undefined, make: (p: string) => ValueMatcher): ValueMatcher | undefined {
  if (!patterns || patterns.length === 0) return undefined;
  const ms = patterns.map(make);
  return (v) => ms.some((m) => m(v));
}
