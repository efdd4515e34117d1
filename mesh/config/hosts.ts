// Host names as Istio reads them: short names are relative to the namespace
// of the object (or the client) that wrote them, `svc.ns` and `svc.ns.svc`
// are completed to the cluster domain, and `*.suffix` / `*` are wildcards.

import { CLUSTER_DOMAIN } from './identity.ts';

/** Completes a host written in `namespace` to an FQDN (wildcards and external names are kept). */
export function qualifyHost(host: string, namespace: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === '*' || h.startsWith('*.')) return h;
  if (isIpAddress(h)) return h;
  const parts = h.split('.');
  if (parts.length === 1) return `${h}.${namespace}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 2) return `${h}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${h}.${CLUSTER_DOMAIN}`;
  return h;
}

/** Candidate FQDNs for a name a client in `namespace` asked for, most specific first (the DNS search path). */
export function searchCandidates(host: string, namespace: string): string[] {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (isIpAddress(h)) return [h];
  const out = [h];
  const parts = h.split('.');
  if (parts.length === 1) out.unshift(`${h}.${namespace}.svc.${CLUSTER_DOMAIN}`);
  else if (parts.length === 2) out.unshift(`${h}.svc.${CLUSTER_DOMAIN}`);
  else if (parts.length === 3 && parts[2] === 'svc') out.unshift(`${h}.${CLUSTER_DOMAIN}`);
  return out;
}

/** Does a (possibly wildcard) pattern match a concrete host? */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/** Specificity for choosing among patterns: exact beats longer wildcard beats shorter wildcard beats '*'. */
export function hostSpecificity(pattern: string): number {
  if (pattern === '*') return 0;
  if (pattern.startsWith('*.')) return pattern.length;
  return 100_000 + pattern.length;
}

export function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

export function isLoopbackAddress(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === 'localhost' || host === '::1';
}

/** Splits `host[:port]` (IPv6 in brackets allowed). */
export function splitHostPort(authority: string): { host: string; port?: number } {
  const a = authority.trim();
  const v6 = a.match(/^\[([^\]]+)\](?::(\d+))?$/);
  if (v6) return { host: v6[1]!.toLowerCase(), port: v6[2] ? Number(v6[2]) : undefined };
  const i = a.lastIndexOf(':');
  if (i > 0 && /^\d+$/.test(a.slice(i + 1))) return { host: a.slice(0, i).toLowerCase(), port: Number(a.slice(i + 1)) };
  return { host: a.toLowerCase() };
}

/** Parses an Istio duration (`1.5s`, `300ms`, `2m`, `1h`, `10us`) to milliseconds. */
export function parseDurationMs(text: string | undefined): number | undefined {
  if (text === undefined || text === null) return undefined;
  let total = 0;
  let rest = String(text).trim();
  if (rest === '') return undefined;
  const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000001 };
  while (rest.length > 0) {
    const m = rest.match(/^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/);
    if (!m) return undefined;
    total += Number(m[1]) * unitMs[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}
