// Service-link environment variables, as the kubelet sets them at container
// start: for every Service with a ClusterIP in the pod's namespace (when
// spec.enableServiceLinks is not false) plus, always, the `kubernetes`
// Service of `default` — unless the pod's namespace has its own Service of
// that name, which wins. Per Service: {NAME}_SERVICE_HOST, {NAME}_SERVICE_PORT
// (the first port), {NAME}_SERVICE_PORT_{PORTNAME} for named ports, and the
// Docker-link style {NAME}_PORT, {NAME}_PORT_{port}_{PROTO}[_PROTO|_PORT|_ADDR].
// Names are upper-cased with '-' turned into '_'.

import { SERVICES } from '../api/index.ts';
import type { Client, Pod, Service } from '../api/index.ts';

const MASTER_NAMESPACE = 'default';
const MASTER_SERVICES = new Set(['kubernetes']);

function envName(name: string): string {
  return name.replace(/-/g, '_').toUpperCase();
}

function hasClusterIp(service: Service): service is Service & { spec: { clusterIP: string } } {
  const ip = service.spec?.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

/** Which Services a pod gets links to, from the Services that exist now. */
export function linkedServices(pod: Pod, services: readonly Service[]): Service[] {
  const namespace = pod.metadata.namespace ?? 'default';
  const enabled = pod.spec?.enableServiceLinks !== false;
  const byName = new Map<string, Service>();
  for (const service of services) {
    if (!hasClusterIp(service)) continue;
    const name = service.metadata.name;
    const ns = service.metadata.namespace ?? 'default';
    if (ns === MASTER_NAMESPACE && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, service);
    } else if (ns === namespace && enabled) {
      byName.set(name, service);
    }
  }
  return [...byName.values()];
}

export function serviceLinkEnv(services: readonly Service[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const service of services) {
    if (!hasClusterIp(service)) continue;
    const ports = service.spec.ports ?? [];
    const first = ports[0];
    if (!first) continue;
    const ip = service.spec.clusterIP;
    const prefix = envName(service.metadata.name);
    env[`${prefix}_SERVICE_HOST`] = ip;
    env[`${prefix}_SERVICE_PORT`] = String(first.port);
    for (const port of ports) if (port.name) env[`${prefix}_SERVICE_PORT_${envName(port.name)}`] = String(port.port);
    ports.forEach((port, i) => {
      const protocol = port.protocol ?? 'TCP';
      const url = `${protocol.toLowerCase()}://${ip}:${port.port}`;
      if (i === 0) env[`${prefix}_PORT`] = url;
      const portPrefix = `${prefix}_PORT_${port.port}_${protocol.toUpperCase()}`;
      env[portPrefix] = url;
      env[`${portPrefix}_PROTO`] = protocol.toLowerCase();
      env[`${portPrefix}_PORT`] = String(port.port);
      env[`${portPrefix}_ADDR`] = ip;
    });
  }
  return env;
}

/** Reads the Services the pod may link to and returns their variables. */
export async function resolveServiceLinks(client: Client, pod: Pod): Promise<Record<string, string>> {
  const namespace = pod.metadata.namespace ?? 'default';
  const own = pod.spec?.enableServiceLinks === false ? [] : (await client.list<Service>(SERVICES, { namespace })).items;
  const master = namespace === MASTER_NAMESPACE && own.length ? [] : (await client.list<Service>(SERVICES, { namespace: MASTER_NAMESPACE })).items;
  return serviceLinkEnv(linkedServices(pod, [...own, ...master]));
}
