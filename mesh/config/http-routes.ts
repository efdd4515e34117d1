// VirtualService http/tcp rules → compiled routes. Destination hosts are
// resolved to clusters by the caller (it knows services and subsets).

import type { Destination, HTTPRetry, HTTPRoute, TCPRoute } from '../../control/api/istio.ts';
import { parseDurationMs } from './hosts.ts';
import type { CompiledHttpRoute, CompiledTcpRoute, FaultPolicy, RetryPolicy, WeightedDestination } from './table.ts';

export type ResolveDestination = (destination: Destination, weight: number) => WeightedDestination | undefined;

/** Istio's default when a route sets no retries: 2 retries on connection-level failures, 25 ms base backoff. */
export const DEFAULT_RETRY_ON = ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'];
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 2,
  retryOn: new Set(DEFAULT_RETRY_ON),
  retriableStatusCodes: new Set(),
  backoffBaseMs: 25,
  isDefault: true,
};
export const NO_RETRY: RetryPolicy = { attempts: 0, retryOn: new Set(), retriableStatusCodes: new Set(), backoffBaseMs: 25, isDefault: false };

export function compileRetry(retries: HTTPRetry | undefined): RetryPolicy {
  if (!retries) return DEFAULT_RETRY;
  const attempts = retries.attempts ?? 2;
  if (attempts <= 0) return NO_RETRY;
  const words = (retries.retryOn ?? DEFAULT_RETRY_ON.join(',')).split(',').map((w) => w.trim()).filter(Boolean);
  const codes = new Set(words.filter((w) => /^\d{3}$/.test(w)).map(Number));
  const retryOn = new Set(words.filter((w) => !/^\d{3}$/.test(w)));
  if (codes.size > 0) retryOn.add('retriable-status-codes');
  return { attempts, perTryTimeoutMs: nonZero(parseDurationMs(retries.perTryTimeout)), retryOn, retriableStatusCodes: codes, backoffBaseMs: 25, isDefault: false };
}

function nonZero(ms: number | undefined): number | undefined {
  return ms === undefined || ms <= 0 ? undefined : ms;
}

function percentOf(p: { value?: number } | undefined, legacy?: number): number {
  if (p && typeof p.value === 'number') return p.value;
  if (typeof legacy === 'number') return legacy;
  return 100;
}

export function compileFault(route: HTTPRoute): FaultPolicy | undefined {
  const f = route.fault;
  if (!f) return undefined;
  const out: FaultPolicy = {};
  if (f.delay?.fixedDelay) out.delay = { ms: parseDurationMs(f.delay.fixedDelay) ?? 0, percent: percentOf(f.delay.percentage, f.delay.percent) };
  if (f.abort?.httpStatus) out.abort = { status: f.abort.httpStatus, percent: percentOf(f.abort.percentage) };
  return out.delay || out.abort ? out : undefined;
}

function resolveAll(list: readonly { destination: Destination; weight?: number }[] | undefined, resolve: ResolveDestination, warnings: string[], origin: string): WeightedDestination[] {
  const given = list ?? [];
  const allUnweighted = given.every((d) => d.weight === undefined || d.weight === 0);
  const out: WeightedDestination[] = [];
  for (const d of given) {
    const weight = given.length === 1 ? 100 : allUnweighted ? 1 : (d.weight ?? 0);
    const r = resolve(d.destination, weight);
    if (r) {
      out.push({ ...r, headers: (d as { headers?: WeightedDestination['headers'] }).headers });
    } else {
      warnings.push(`${origin}: destination ${d.destination.host}${d.destination.subset ? ` subset ${d.destination.subset}` : ''} not found`);
    }
  }
  return out;
}

export function compileHttpRoute(
  route: HTTPRoute,
  origin: string,
  ruleIndex: number,
  namespace: string,
  resolve: ResolveDestination,
  warnings: string[],
): CompiledHttpRoute {
  const mirrors: { cluster: string; host: string; port: number; percent: number }[] = [];
  if (route.mirror) {
    const m = resolve(route.mirror, 100);
    if (m) mirrors.push({ cluster: m.cluster, host: m.host, port: m.port, percent: percentOf(route.mirrorPercentage, route.mirrorPercent) });
  }
  for (const mp of route.mirrors ?? []) {
    const m = resolve(mp.destination, 100);
    if (m) mirrors.push({ cluster: m.cluster, host: m.host, port: m.port, percent: percentOf(mp.percentage) });
  }
  const body = route.directResponse?.body;
  return {
    origin,
    ruleIndex,
    name: route.name,
    namespace,
    matches: route.match ?? [],
    destinations: resolveAll(route.route, resolve, warnings, origin),
    redirect: route.redirect
      ? {
          uri: route.redirect.uri,
          authority: route.redirect.authority,
          port: route.redirect.port,
          scheme: route.redirect.scheme,
          code: route.redirect.redirectCode ?? 301,
          derivePort: route.redirect.derivePort,
        }
      : undefined,
    directResponse: route.directResponse
      ? {
          status: route.directResponse.status,
          body: body?.string !== undefined ? Buffer.from(body.string) : body?.bytes !== undefined ? Buffer.from(body.bytes, 'base64') : undefined,
        }
      : undefined,
    rewrite: route.rewrite
      ? { uri: route.rewrite.uri, authority: route.rewrite.authority, uriRegex: route.rewrite.uriRegexRewrite }
      : undefined,
    timeoutMs: nonZero(parseDurationMs(route.timeout)),
    retry: compileRetry(route.retries),
    fault: compileFault(route),
    mirrors,
    cors: route.corsPolicy,
    headers: route.headers,
  };
}

export function compileTcpRoute(route: TCPRoute, origin: string, ruleIndex: number, namespace: string, resolve: ResolveDestination, warnings: string[]): CompiledTcpRoute {
  return { origin, ruleIndex, namespace, matches: route.match ?? [], destinations: resolveAll(route.route, resolve, warnings, origin) };
}
