// corsPolicy: answers preflights itself and adds the CORS response headers
// when the Origin is allowed, as Envoy's CORS filter does.

import type { OutgoingHttpHeaders } from 'node:http';
import type { CorsPolicy } from '../../control/api/istio.ts';
import { parseDurationMs } from '../config/hosts.ts';
import { stringMatches } from '../config/match.ts';

export function originAllowed(policy: CorsPolicy, origin: string): boolean {
  if ((policy.allowOrigins ?? []).some((m) => stringMatches(m, origin))) return true;
  return (policy.allowOrigin ?? []).some((o) => o === '*' || o === origin);
}

export function isPreflight(method: string, headers: Record<string, string | string[] | undefined>): boolean {
  return method === 'OPTIONS' && !!headers.origin && !!headers['access-control-request-method'];
}

export function preflightHeaders(policy: CorsPolicy, origin: string): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = { 'access-control-allow-origin': origin };
  if (policy.allowMethods?.length) h['access-control-allow-methods'] = policy.allowMethods.join(',');
  if (policy.allowHeaders?.length) h['access-control-allow-headers'] = policy.allowHeaders.join(',');
  const maxAge = parseDurationMs(policy.maxAge);
  if (maxAge !== undefined) h['access-control-max-age'] = String(Math.floor(maxAge / 1000));
  if (policy.allowCredentials) h['access-control-allow-credentials'] = 'true';
  return h;
}

export function simpleResponseHeaders(policy: CorsPolicy, origin: string): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = { 'access-control-allow-origin': origin };
  if (policy.exposeHeaders?.length) h['access-control-expose-headers'] = policy.exposeHeaders.join(',');
  if (policy.allowCredentials) h['access-control-allow-credentials'] = 'true';
  return h;
}
