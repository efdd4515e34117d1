// Builders shared by the rate-limit tests.

import type { KubeObject } from '../../control/api/objects.ts';
import type { RateLimitPolicySpec } from '../../control/api/ratelimit-policy.ts';
import type { RateLimitRequest } from '../../mesh/ratelimit/index.ts';

let uid = 0;

export function kubeObject(apiVersion: string, kind: string, namespace: string, name: string, rest: Record<string, unknown> = {}): KubeObject {
  const { metadata, ...others } = rest as { metadata?: Record<string, unknown> };
  return {
    apiVersion,
    kind,
    metadata: { name, namespace, uid: `uid-${++uid}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z', ...metadata },
    ...others,
  };
}

export function policy(name: string, spec: RateLimitPolicySpec, namespace = 'default'): KubeObject {
  return kubeObject('policy.meshlet.dev/v1alpha1', 'RateLimitPolicy', namespace, name, { spec });
}

export function service(name: string, selector: Record<string, string>, namespace = 'default'): KubeObject {
  return kubeObject('v1', 'Service', namespace, name, { spec: { selector, ports: [{ port: 9080 }] } });
}

export function request(overrides: Partial<RateLimitRequest> = {}): RateLimitRequest {
  return {
    proxy: { kind: 'sidecar', namespace: 'default', name: 'productpage-v1-abc', labels: { app: 'productpage', version: 'v1' } },
    direction: 'inbound',
    destinationService: 'productpage.default.svc.cluster.local',
    method: 'GET',
    path: '/productpage',
    authority: 'productpage:9080',
    headers: {},
    sourceIp: '127.244.1.7',
    sourceWorkload: 'istio-ingressgateway',
    sourceNamespace: 'istio-system',
    ...overrides,
  };
}
