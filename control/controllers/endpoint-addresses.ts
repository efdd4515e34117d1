// Which pods back a Service and on which ports: the shared core of the
// Endpoints and EndpointSlice controllers.

import type { EndpointAddress, EndpointPort, Pod, Service } from '../api/index.ts';
import { isPodReady, isPodTerminal } from './pod-state.ts';
import { canonicalJson } from './names.ts';

export interface ServiceBackend {
  pod: Pod;
  address: EndpointAddress;
  ports: EndpointPort[];
  ready: boolean;
  terminating: boolean;
}

/** Resolves a Service port's targetPort on a pod: a number, or a container port name. */
export function resolveTargetPort(pod: Pod, targetPort: number | string | undefined, servicePort: number): number | undefined {
  if (targetPort === undefined || targetPort === '') return servicePort;
  if (typeof targetPort === 'number') return targetPort;
  if (/^\d+$/.test(targetPort)) return Number(targetPort);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === targetPort) return p.containerPort;
  }
  return undefined;
}

/**
 * The backends of `service` among `pods` (already selected by label). Pods
 * without an IP or in a terminal phase never count; terminating pods are
 * returned with `terminating` set (EndpointSlices keep them, Endpoints do not).
 */
export function serviceBackends(service: Service, pods: readonly Pod[]): ServiceBackend[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const out: ServiceBackend[] = [];
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip || isPodTerminal(pod)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of service.spec?.ports ?? []) {
      const port = resolveTargetPort(pod, sp.targetPort, sp.port);
      if (port === undefined) continue;
      ports.push({
        ...(sp.name ? { name: sp.name } : {}),
        port,
        protocol: sp.protocol ?? 'TCP',
        ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
      });
    }
    if ((service.spec?.ports?.length ?? 0) > 0 && ports.length === 0) continue;
    const hostname =
      pod.spec?.hostname && pod.spec.subdomain === service.metadata.name && pod.metadata.namespace === service.metadata.namespace
        ? pod.spec.hostname
        : undefined;
    out.push({
      pod,
      address: {
        ip,
        ...(hostname ? { hostname } : {}),
        ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        targetRef: { kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default', uid: pod.metadata.uid },
      },
      ports,
      ready: publishNotReady || isPodReady(pod),
      terminating: pod.metadata.deletionTimestamp !== undefined,
    });
  }
  return out.sort((a, b) => compareIp(a.address.ip, b.address.ip) || a.pod.metadata.name.localeCompare(b.pod.metadata.name));
}

/** Groups backends by their port list: each group becomes one Endpoints subset / one EndpointSlice. */
export function groupByPorts(backends: readonly ServiceBackend[]): { ports: EndpointPort[]; backends: ServiceBackend[] }[] {
  const groups = new Map<string, { ports: EndpointPort[]; backends: ServiceBackend[] }>();
  for (const b of backends) {
    const ports = [...b.ports].sort((x, y) => (x.name ?? '').localeCompare(y.name ?? '') || x.port - y.port);
    const key = canonicalJson(ports);
    const group = groups.get(key) ?? { ports, backends: [] };
    group.backends.push(b);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}
