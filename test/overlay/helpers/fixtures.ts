// Builders for the objects the overlay reads.

import type { EndpointAddress, Endpoints, Pod, Service, ServiceSpec } from '../../../control/api/index.ts';

let uid = 0;

function meta(name: string, namespace: string) {
  return { name, namespace, uid: `uid-${++uid}`, resourceVersion: String(uid), creationTimestamp: '2026-01-01T00:00:00Z' };
}

export function service(name: string, spec: ServiceSpec, namespace = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(name, namespace), spec };
}

export interface EndpointsInput {
  ready?: (string | EndpointAddress)[];
  notReady?: (string | EndpointAddress)[];
  ports?: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }[];
}

export function endpoints(name: string, input: EndpointsInput, namespace = 'default'): Endpoints {
  const toAddress = (a: string | EndpointAddress): EndpointAddress => (typeof a === 'string' ? { ip: a } : a);
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta(name, namespace),
    subsets: [{ addresses: (input.ready ?? []).map(toAddress), notReadyAddresses: (input.notReady ?? []).map(toAddress), ports: input.ports ?? [] }],
  };
}

export function pod(name: string, podIP: string, namespace = 'default', phase: 'Running' | 'Pending' = 'Running'): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta(name, namespace), spec: { containers: [{ name: 'app' }] }, status: { phase, podIP } };
}
