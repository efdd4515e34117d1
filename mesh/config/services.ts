// Services and ServiceEntries as the mesh sees them: hosts, ports and the
// endpoints behind each port.

import type { Endpoints, Pod, Service } from '../../control/api/index.ts';
import type { ServiceEntry } from '../../control/api/istio.ts';
import { matchesLabels } from '../../control/api/index.ts';
import { CLUSTER_DOMAIN, isMeshedPod, workloadOfPod } from './identity.ts';
import type { EndpointInfo, ServiceInfo, ServicePortInfo, ServiceProtocol } from './table.ts';

/** Protocol from Istio's port naming / appProtocol conventions; unnamed ports are treated as HTTP (meshlet sniffs nothing). */
export function protocolOfPort(name: string | undefined, appProtocol?: string, explicit?: string): ServiceProtocol {
  const p = (explicit ?? appProtocol ?? name?.split('-')[0] ?? '').toLowerCase();
  if (p === 'tcp' || p === 'tls' || p === 'mongo' || p === 'mysql' || p === 'redis' || p === 'https') return 'TCP';
  return 'HTTP';
}

export function serviceInfoOf(svc: Service): ServiceInfo {
  const namespace = svc.metadata.namespace ?? 'default';
  const spec = svc.spec ?? {};
  const addresses = (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter((a) => a && a !== 'None');
  return {
    fqdn: `${svc.metadata.name}.${namespace}.svc.${CLUSTER_DOMAIN}`,
    name: svc.metadata.name,
    namespace,
    kind: 'Service',
    addresses,
    ports: (spec.ports ?? []).map((p) => ({
      number: p.port,
      name: p.name,
      protocol: protocolOfPort(p.name, p.appProtocol),
      targetPort: p.targetPort,
    })),
    location: 'MESH_INTERNAL',
    source: `Service ${namespace}/${svc.metadata.name}`,
  };
}

export function serviceEntryInfos(se: ServiceEntry): ServiceInfo[] {
  const namespace = se.metadata.namespace ?? 'default';
  const spec = se.spec;
  if (!spec) return [];
  const ports: ServicePortInfo[] = (spec.ports ?? []).map((p) => ({
    number: p.number,
    name: p.name,
    protocol: protocolOfPort(p.name, undefined, p.protocol),
    targetPort: p.targetPort,
  }));
  return (spec.hosts ?? []).map((host) => ({
    fqdn: host.toLowerCase(),
    name: host.toLowerCase(),
    namespace,
    kind: 'ServiceEntry' as const,
    addresses: spec.addresses ?? [],
    ports,
    location: spec.location ?? 'MESH_EXTERNAL',
    source: `ServiceEntry ${namespace}/${se.metadata.name}`,
  }));
}

export interface PodIndex {
  byIp: ReadonlyMap<string, Pod>;
  byKey: ReadonlyMap<string, Pod>;
}

export function indexPods(pods: readonly Pod[]): PodIndex {
  const byIp = new Map<string, Pod>();
  const byKey = new Map<string, Pod>();
  for (const pod of pods) {
    byKey.set(`${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`, pod);
    const ip = pod.status?.podIP;
    if (ip && !pod.metadata.deletionTimestamp) byIp.set(ip, pod);
  }
  return { byIp, byKey };
}

function isPodReady(pod: Pod): boolean {
  if (pod.metadata.deletionTimestamp || !pod.status?.podIP) return false;
  if (pod.status.phase && pod.status.phase !== 'Running') return false;
  const ready = pod.status.conditions?.find((c) => c.type === 'Ready');
  return ready ? ready.status === 'True' : true;
}

function endpointFromPod(ip: string, port: number, pod: Pod | undefined): EndpointInfo {
  return {
    address: ip,
    port,
    labels: pod?.metadata.labels ?? {},
    meshed: pod ? isMeshedPod(pod) : false,
    workload: pod ? workloadOfPod(pod) : undefined,
  };
}

function resolveTargetPort(pod: Pod, targetPort: number | string | undefined, fallback: number): number | undefined {
  if (targetPort === undefined) return fallback;
  if (typeof targetPort === 'number' || /^\d+$/.test(targetPort)) return Number(targetPort);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === targetPort) return p.containerPort;
  return undefined;
}

/**
 * Ready endpoints of a Service port. Reads the Endpoints object when there is
 * one; a Service with a selector but no Endpoints object (yet) falls back to
 * the ready pods it selects, so a ConfigSource may omit Endpoints entirely.
 */
export function serviceEndpoints(svc: Service, port: ServicePortInfo, endpoints: Endpoints | undefined, pods: readonly Pod[], index: PodIndex): EndpointInfo[] {
  const namespace = svc.metadata.namespace ?? 'default';
  if (endpoints) {
    const out: EndpointInfo[] = [];
    for (const subset of endpoints.subsets ?? []) {
      const ports = subset.ports ?? [];
      const ep = ports.length === 1 && (port.name === undefined || ports[0]!.name === undefined || ports[0]!.name === port.name)
        ? ports[0]
        : ports.find((p) => p.name === port.name);
      if (!ep) continue;
      for (const addr of subset.addresses ?? []) {
        const pod = addr.targetRef?.kind === 'Pod' ? index.byKey.get(`${addr.targetRef.namespace ?? namespace}/${addr.targetRef.name}`) : index.byIp.get(addr.ip);
        out.push(endpointFromPod(addr.ip, ep.port, pod ?? index.byIp.get(addr.ip)));
      }
    }
    return out;
  }
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const out: EndpointInfo[] = [];
  for (const pod of pods) {
    if ((pod.metadata.namespace ?? 'default') !== namespace || !matchesLabels(pod.metadata.labels, selector) || !isPodReady(pod)) continue;
    const target = resolveTargetPort(pod, port.targetPort, port.number);
    if (target !== undefined) out.push(endpointFromPod(pod.status!.podIP!, target, pod));
  }
  return out.sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));
}

/** Endpoints of a ServiceEntry host port: its listed endpoints, else the host itself (DNS / NONE resolution). */
export function serviceEntryEndpoints(se: ServiceEntry, host: string, port: ServicePortInfo, pods: readonly Pod[]): EndpointInfo[] {
  const spec = se.spec!;
  const targetOf = (ports: Record<string, number> | undefined): number =>
    (port.name !== undefined ? ports?.[port.name] : undefined) ?? (typeof port.targetPort === 'number' ? port.targetPort : port.number);
  const internal = (spec.location ?? 'MESH_EXTERNAL') === 'MESH_INTERNAL';
  if (spec.endpoints && spec.endpoints.length > 0) {
    return spec.endpoints
      .filter((e) => e.address)
      .map((e) => ({ address: e.address!, port: targetOf(e.ports), labels: e.labels ?? {}, meshed: internal }));
  }
  if (spec.workloadSelector?.labels) {
    const namespace = se.metadata.namespace ?? 'default';
    return pods
      .filter((p) => (p.metadata.namespace ?? 'default') === namespace && matchesLabels(p.metadata.labels, spec.workloadSelector!.labels) && isPodReady(p))
      .map((p) => endpointFromPod(p.status!.podIP!, targetOf(undefined), p));
  }
  if (host.startsWith('*')) return [];
  return [{ address: host, port: targetOf(undefined), labels: {}, meshed: false }];
}
