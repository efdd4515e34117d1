// The request attributes AuthorizationPolicy rules look at, taken from a
// MeshRequest as the enforcing proxy sees it.

import type { MeshRequest } from '../layers/context.ts';
import type { ProxyIdentity } from '../config/identity.ts';
import { normalizeIp } from './match.ts';

export interface RequestAttributes {
  /** Peer identity without `spiffe://` (`cluster.local/ns/NS/sa/SA`); absent for unidentified peers. */
  principal?: string;
  /** Namespace of the identified peer; absent when the principal is. */
  namespace?: string;
  /** Address of the direct downstream connection. */
  sourceIp: string;
  /** Original client address; meshlet trusts no X-Forwarded-For hops (numTrustedProxies 0), so it is sourceIp. */
  remoteIp: string;
  /** Host header, lower-cased. */
  host: string;
  method: string;
  /** Path without the query string. */
  path: string;
  port: number;
  destinationIp?: string;
  headers: MeshRequest['headers'];
}

const PRINCIPAL = /^spiffe:\/\/([^/]+\/ns\/([^/]+)\/sa\/[^/]+)$/;

/** `spiffe://td/ns/NS/sa/SA` → { principal: 'td/ns/NS/sa/SA', namespace: 'NS' }; anything else → {}. */
export function peerOf(spiffe: string | undefined): { principal?: string; namespace?: string } {
  const m = spiffe ? PRINCIPAL.exec(spiffe) : null;
  return m ? { principal: m[1]!, namespace: m[2]! } : {};
}

/**
 * A gateway's clients are outside the mesh: they have no principal (the
 * request's `source` there is the gateway itself). A sidecar's inbound peer is
 * the source identify-source found (pod by connecting address, or the
 * metadata a meshed client proxy sent).
 */
export function requestAttributes(req: MeshRequest, identity: ProxyIdentity): RequestAttributes {
  const peer = identity.kind === 'gateway' ? {} : peerOf(req.source?.principal);
  const q = req.path.indexOf('?');
  const ip = normalizeIp(req.remoteAddress);
  return {
    ...peer,
    sourceIp: ip,
    remoteIp: ip,
    host: req.authority.toLowerCase(),
    method: req.method,
    path: q >= 0 ? req.path.slice(0, q) : req.path,
    port: req.port,
    destinationIp: identity.ip,
    headers: req.headers,
  };
}
