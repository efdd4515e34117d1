// Builders for authorization unit tests: policies as the store holds them and
// MeshRequests as the inbound listener would hand them to the check.

import type { KubeObject } from '../../control/api/index.ts';
import type { AuthorizationPolicySpec } from '../../control/api/istio.ts';
import type { ProxyIdentity } from '../../mesh/config/identity.ts';
import type { MeshRequest } from '../../mesh/layers/context.ts';

export function policy(name: string, spec: AuthorizationPolicySpec, namespace = 'default'): KubeObject {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace }, spec } as KubeObject;
}

export const SERVER: ProxyIdentity = { kind: 'sidecar', name: 'reviews-v1-abc12-xyz12', namespace: 'default', labels: { app: 'reviews', version: 'v1' }, ip: '10.1.0.5', serviceAccount: 'bookinfo-reviews' };

export interface RequestShape {
  direction?: 'inbound' | 'outbound';
  method?: string;
  path?: string;
  authority?: string;
  port?: number;
  remoteAddress?: string;
  /** spiffe URI of the identified source, or undefined for an unknown peer. */
  principal?: string;
  sourceNamespace?: string;
  headers?: Record<string, string | string[]>;
}

/** A productpage → reviews request unless fields say otherwise. */
export function request(o: RequestShape = {}): MeshRequest {
  const principal = 'principal' in o ? o.principal : 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage';
  return {
    direction: o.direction ?? 'inbound',
    method: o.method ?? 'GET',
    path: o.path ?? '/reviews/0',
    originalPath: o.path ?? '/reviews/0',
    authority: o.authority ?? 'reviews:9080',
    originalAuthority: o.authority ?? 'reviews:9080',
    scheme: 'http',
    port: o.port ?? 9080,
    headers: { ...(o.headers ?? {}) },
    remoteAddress: o.remoteAddress ?? '10.1.0.9',
    source: principal === undefined ? undefined : { workload: 'productpage-v1', namespace: o.sourceNamespace ?? 'default', app: 'productpage', version: 'v1', principal, labels: {} },
    body: Buffer.alloc(0),
    startMs: 0,
    attempts: 0,
    flags: new Set(),
    notes: [],
  } as unknown as MeshRequest;
}
