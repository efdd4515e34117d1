// The request path, in order. Order is behaviour: change it here only.
//
//   accept → identify source pod → network policy (inbound) → route match (VirtualService) → fault injection
//   → authorization → rate limit → mirror → timeout/retry → subset + load balancer
//   → outlier/circuit breaker → upstream (http-proxy) → telemetry
//
// Telemetry is last in the path — it needs the final response, flags and
// chosen endpoint of every other layer — so it is applied around all of them.

import type { Handler, Layer } from './context.ts';
import type { LayerDeps } from './deps.ts';
import { acceptLayer } from './accept.ts';
import { identifySourceLayer } from './identify-source.ts';
import { networkPolicyLayer } from './network-policy.ts';
import { routeLayer } from './route.ts';
import { faultLayer } from './fault.ts';
import { authorizationLayer } from './authorization.ts';
import { rateLimitLayer } from './rate-limit.ts';
import { mirrorLayer } from './mirror.ts';
import { timeoutRetryLayer } from './timeout-retry.ts';
import { balanceLayer } from './balance.ts';
import { circuitBreakerLayer } from './circuit-breaker.ts';
import { upstreamHandler } from './upstream.ts';
import { telemetryLayer } from './telemetry.ts';

export function requestLayers(deps: LayerDeps): Layer[] {
  return [
    acceptLayer(),
    identifySourceLayer(),
    networkPolicyLayer(deps),
    routeLayer(deps),
    faultLayer(deps),
    authorizationLayer(deps),
    rateLimitLayer(deps),
    mirrorLayer(deps),
    timeoutRetryLayer(deps),
    balanceLayer(deps),
    circuitBreakerLayer(deps),
  ];
}

export function buildRequestStack(deps: LayerDeps): Handler {
  let handler = upstreamHandler(deps);
  for (const layer of requestLayers(deps).reverse()) handler = layer.wrap(handler);
  return telemetryLayer(deps).wrap(handler);
}
