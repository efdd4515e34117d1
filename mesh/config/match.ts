// Request matching for VirtualService rules. Conditions in one match block
// are ANDed, blocks are ORed, rules are tried in order and the first match
// wins. Every function returns why it did not match, for `explain`.

import type { HTTPMatchRequest, L4MatchAttributes, StringMatch } from '../../control/api/istio.ts';
import type { Labels } from '../../control/api/index.ts';
import type { CompiledHttpRoute, CompiledTcpRoute } from './table.ts';

export interface RequestFacts {
  method: string;
  /** Path with query string, as on the request line. */
  path: string;
  scheme: string;
  authority: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  port: number;
  sourceLabels?: Labels;
  sourceNamespace?: string;
}

export interface RouteMatchResult {
  route?: CompiledHttpRoute;
  index: number;
  /** One line per rule tried before the match (or all rules when none matched). */
  rejected: { route: CompiledHttpRoute; reason: string }[];
}

const regexCache = new Map<string, RegExp>();

function regexOf(source: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : ''}:${source}`;
  let re = regexCache.get(key);
  if (!re) {
    try {
      re = new RegExp(`^(?:${source})$`, ignoreCase ? 'i' : '');
    } catch {
      re = /$^/;
    }
    if (regexCache.size > 10_000) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

export function stringMatches(m: StringMatch, value: string | undefined, ignoreCase = false): boolean {
  if (value === undefined) return false;
  const v = ignoreCase ? value.toLowerCase() : value;
  if (m.exact !== undefined) return v === (ignoreCase ? m.exact.toLowerCase() : m.exact);
  if (m.prefix !== undefined) return v.startsWith(ignoreCase ? m.prefix.toLowerCase() : m.prefix);
  if (m.regex !== undefined) return regexOf(m.regex, ignoreCase).test(value);
  return true;
}

export function describeStringMatch(m: StringMatch): string {
  if (m.exact !== undefined) return `exact "${m.exact}"`;
  if (m.prefix !== undefined) return `prefix "${m.prefix}"`;
  if (m.regex !== undefined) return `regex "${m.regex}"`;
  return 'present';
}

function headerValue(headers: RequestFacts['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

function queryParam(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  for (const part of path.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    if (k === name) return decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1).replace(/\+/g, ' '));
  }
  return undefined;
}

/** Why one match block fails for the request, or undefined when it matches. */
export function blockMismatch(block: HTTPMatchRequest, req: RequestFacts): string | undefined {
  const path = req.path.split('?')[0]!;
  if (block.uri && !stringMatches(block.uri, path, block.ignoreUriCase === true)) return `uri ${path} is not ${describeStringMatch(block.uri)}`;
  if (block.method && !stringMatches(block.method, req.method)) return `method ${req.method} is not ${describeStringMatch(block.method)}`;
  if (block.scheme && !stringMatches(block.scheme, req.scheme)) return `scheme ${req.scheme} is not ${describeStringMatch(block.scheme)}`;
  if (block.authority) {
    const hostOnly = req.authority.replace(/:\d+$/, '');
    if (!stringMatches(block.authority, req.authority) && !stringMatches(block.authority, hostOnly)) {
      return `authority ${req.authority} is not ${describeStringMatch(block.authority)}`;
    }
  }
  for (const [name, m] of Object.entries(block.headers ?? {})) {
    const v = headerValue(req.headers, name);
    if (v === undefined) return `header ${name} is absent (wanted ${describeStringMatch(m)})`;
    if (!stringMatches(m, v)) return `header ${name}: "${v}" is not ${describeStringMatch(m)}`;
  }
  for (const [name, m] of Object.entries(block.withoutHeaders ?? {})) {
    const v = headerValue(req.headers, name);
    if (v !== undefined && stringMatches(m, v)) return `header ${name}: "${v}" is ${describeStringMatch(m)} (withoutHeaders)`;
  }
  for (const [name, m] of Object.entries(block.queryParams ?? {})) {
    const v = queryParam(req.path, name);
    if (v === undefined) return `query parameter ${name} is absent`;
    if (!stringMatches(m, v)) return `query parameter ${name}: "${v}" is not ${describeStringMatch(m)}`;
  }
  if (block.port !== undefined && block.port !== req.port) return `port ${req.port} is not ${block.port}`;
  if (block.sourceNamespace !== undefined && block.sourceNamespace !== req.sourceNamespace) {
    return `source namespace ${req.sourceNamespace ?? '(unknown)'} is not ${block.sourceNamespace}`;
  }
  for (const [k, v] of Object.entries(block.sourceLabels ?? {})) {
    if (req.sourceLabels?.[k] !== v) return `source label ${k}=${req.sourceLabels?.[k] ?? '(unset)'} is not ${v}`;
  }
  return undefined;
}

/** Why a rule fails (all its blocks), or undefined when one block matches. */
export function routeMismatch(route: CompiledHttpRoute, req: RequestFacts): string | undefined {
  if (route.matches.length === 0) return undefined;
  const reasons: string[] = [];
  for (const block of route.matches) {
    const why = blockMismatch(block, req);
    if (why === undefined) return undefined;
    reasons.push(why);
  }
  return reasons.join('; ');
}

export function matchHttpRoute(routes: readonly CompiledHttpRoute[], req: RequestFacts, explain = false): RouteMatchResult {
  const rejected: RouteMatchResult['rejected'] = [];
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i]!;
    if (route.matches.length === 0) return { route, index: i, rejected };
    const why = routeMismatch(route, req);
    if (why === undefined) return { route, index: i, rejected };
    if (explain) rejected.push({ route, reason: why });
  }
  return { index: -1, rejected };
}

export function matchTcpRoute(
  routes: readonly CompiledTcpRoute[],
  conn: { port: number; sourceLabels?: Labels; sourceNamespace?: string },
): CompiledTcpRoute | undefined {
  const blockOk = (m: L4MatchAttributes): boolean =>
    (m.port === undefined || m.port === conn.port) &&
    (m.sourceNamespace === undefined || m.sourceNamespace === conn.sourceNamespace) &&
    Object.entries(m.sourceLabels ?? {}).every(([k, v]) => conn.sourceLabels?.[k] === v);
  return routes.find((r) => r.matches.length === 0 || r.matches.some(blockOk));
}
