// What the layers are given by the proxy that assembles them.

import type { Tracer } from '@opentelemetry/api';
import type { Clock, NetworkPolicyVerdict } from '../../control/api/index.ts';
import type { RateLimitService } from '../ratelimit/types.ts';
import type { ClusterStates } from '../endpoints/state.ts';
import type { Upstream } from '../proxy/http-proxy-adapter.ts';
import type { MeshMetrics } from '../telemetry/metrics.ts';
import type { MeshRequest } from './context.ts';

/**
 * Authorization hook. Contract: return `{ allowed: true }` to let the request
 * through, or `{ allowed: false, policy }` to answer 403 "RBAC: access denied".
 * The default allows everything; an AuthorizationPolicy evaluator plugs in here.
 */
export interface AuthorizationCheck {
  check(req: MeshRequest): { allowed: true } | { allowed: false; policy: string };
}

export const ALLOW_ALL: AuthorizationCheck = { check: () => ({ allowed: true }) };

/**
 * NetworkPolicy enforcement at a sidecar (the process runtime has no packet
 * filter): inbound asks the pod's Ingress rules about the connecting address,
 * outbound asks its Egress rules about the chosen endpoint. A denied inbound
 * connection is reset without a response, as a dropped SYN would fail.
 */
export interface NetworkPolicyCheck {
  ingress(sourceIp: string, port: number): NetworkPolicyVerdict;
  /** `destinationMeshed: false`: no sidecar will judge the far side, so its Ingress rules are asked here too. */
  egress(destinationIp: string, port: number, destinationMeshed: boolean): NetworkPolicyVerdict;
}

export interface LayerDeps {
  clock: Clock;
  /** Uniform in [0, 1); injected so weight/fault tests can be deterministic. */
  random: () => number;
  upstream: Upstream;
  clusters: ClusterStates;
  /** Port of every sidecar's inbound listener (15006). */
  inboundPort: number;
  /** Address upstream connections are made from (the pod IP), so the receiver knows the source. */
  localAddress?: string;
  /** Unknown hosts: ALLOW_ANY passes through to loopback hosts only; REGISTRY_ONLY refuses. */
  outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  rateLimit?: RateLimitService;
  authorization: AuthorizationCheck;
  networkPolicy?: NetworkPolicyCheck;
  tracer?: Tracer;
  metrics?: MeshMetrics;
  /** `namespace/name` of the pod this sidecar serves; its inbound requests are tallied per pod (HPA request rate). */
  reporterPod?: string;
  accessLog?: (line: string) => void;
  /**
   * `ip:port` of this proxy's own listeners, filled in once they are bound.
   * Never a forwarding target: a request sent there would come straight back
   * (Istio blackholes traffic to its own 15001/15006 for the same reason).
   */
  ownListeners?: ReadonlySet<string>;
}

/** Header that carries the workload port from a client sidecar to the inbound listener. */
export const ORIGINAL_PORT_HEADER = 'x-meshlet-original-port';

/**
 * Peer metadata a client proxy sends to a meshed endpoint (Istio's metadata
 * exchange): the source workload, used by the inbound side when the
 * connecting address is not a known pod (e.g. the ingress gateway).
 */
export const PEER_HEADER = 'x-meshlet-peer';
