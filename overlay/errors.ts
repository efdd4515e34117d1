// Error codes raised by the overlay. Callers switch on `code`; messages carry
// the component prefix (`overlay/ipam: ...`).

import { MeshletError } from '../control/api/index.ts';

export const OVERLAY_ERROR_CODES = {
  /** Bad CIDR text, overlapping ranges, or a range outside 127/8 on the loopback backend. */
  config: 'MESHLET_OVERLAY_CONFIG',
  /** A node subnet has no free pod IP left; the pod stays Pending. */
  podIpsExhausted: 'MESHLET_IPAM_POD_IPS_EXHAUSTED',
  /** The cluster CIDR has no free node subnet left. */
  subnetsExhausted: 'MESHLET_IPAM_SUBNETS_EXHAUSTED',
  /** The service CIDR has no free ClusterIP left. */
  serviceIpsExhausted: 'MESHLET_IPAM_SERVICE_IPS_EXHAUSTED',
  /** The node port range has no free port left. */
  nodePortsExhausted: 'MESHLET_IPAM_NODE_PORTS_EXHAUSTED',
  /** Store writes kept conflicting with other writers. */
  contention: 'MESHLET_IPAM_CONTENTION',
  /** A DNS or proxy listener could not be bound. */
  listen: 'MESHLET_OVERLAY_LISTEN',
} as const;

export type OverlayErrorCode = (typeof OVERLAY_ERROR_CODES)[keyof typeof OVERLAY_ERROR_CODES];

export function overlayError(code: OverlayErrorCode, message: string, cause?: unknown): MeshletError {
  return new MeshletError(code, message, cause === undefined ? undefined : { cause });
}
