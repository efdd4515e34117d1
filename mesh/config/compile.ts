// compileProxyConfig: mesh inputs + one proxy's identity → its RouteTable.
// Pure and synchronous; the result is frozen-by-convention (never mutated).

import type { Endpoints, Pod, Service } from '../../control/api/index.ts';
import type { Destination, ServiceEntry } from '../../control/api/istio.ts';
import type { MeshInputs } from './inputs.ts';
import type { ProxyIdentity, WorkloadInfo } from './identity.ts';
import { workloadOfPod, workloadOfProxy } from './identity.ts';
import { qualifyHost } from './hosts.ts';
import { clusterPolicyOf, findDestinationRule, isVisibleTo } from './policy.ts';
import { indexPods, serviceEndpoints, serviceEntryEndpoints, serviceEntryInfos, serviceInfoOf } from './services.ts';
import type { ResolveDestination } from './http-routes.ts';
import { MESH_GATEWAY, vsGateways } from './gateways.ts';
import { compileGatewayScope } from './compile-gateway.ts';
import { buildSidecarVirtualHost, meshVirtualServiceFor } from './compile-sidecar.ts';
import type {
  Cluster, CompiledTcpRoute, EndpointInfo, GatewayHost, RouteTable, ServiceInfo, ServicePortInfo, VirtualHost, WeightedDestination,
} from './table.ts';

export function clusterName(direction: 'outbound' | 'inbound', port: number, subset: string | undefined, host: string): string {
  return `${direction}|${port}|${subset ?? ''}|${host}`;
}

interface ServiceRecord {
  info: ServiceInfo;
  service?: Service;
  endpoints?: Endpoints;
  entry?: ServiceEntry;
}

/** What every proxy compiled from one snapshot shares: services, pod indexes, endpoints, workloads. */
interface SharedIndex {
  podIndex: ReturnType<typeof indexPods>;
  podsByNamespace: Map<string, Pod[]>;
  /** Per namespace: `key=value` → pods carrying that label (built on first use). */
  podsByLabel: Map<string, Map<string, Pod[]>>;
  services: Map<string, ServiceRecord>;
  entries: { entry: ServiceEntry; infos: ServiceInfo[] }[];
  baseEndpoints: Map<string, EndpointInfo[]>;
  workloadsByIp: Map<string, WorkloadInfo>;
}

const sharedIndexes = new WeakMap<object, SharedIndex>();
const scopedTables = new WeakMap<object, Map<string, ScopedTable>>();

function sharedIndexOf(inputs: MeshInputs): SharedIndex {
  let idx = sharedIndexes.get(inputs);
  if (idx) return idx;
  const podIndex = indexPods(inputs.pods);
  const podsByNamespace = new Map<string, Pod[]>();
  for (const pod of inputs.pods) {
    const ns = pod.metadata.namespace ?? 'default';
    const list = podsByNamespace.get(ns);
    if (list) list.push(pod);
    else podsByNamespace.set(ns, [pod]);
  }
  const endpointsByKey = new Map<string, Endpoints>();
  for (const ep of inputs.endpoints) endpointsByKey.set(`${ep.metadata.namespace ?? 'default'}/${ep.metadata.name}`, ep);
  const services = new Map<string, ServiceRecord>();
  for (const svc of inputs.services) {
    if (svc.spec?.type === 'ExternalName') continue;
    const info = serviceInfoOf(svc);
    services.set(info.fqdn, { info, service: svc, endpoints: endpointsByKey.get(`${info.namespace}/${svc.metadata.name}`) });
  }
  const workloadsByIp = new Map<string, WorkloadInfo>();
  for (const [ip, pod] of podIndex.byIp) workloadsByIp.set(ip, workloadOfPod(pod));
  idx = {
    podIndex,
    podsByNamespace,
    podsByLabel: new Map(),
    services,
    entries: inputs.serviceEntries.map((entry) => ({ entry, infos: serviceEntryInfos(entry) })),
    baseEndpoints: new Map(),
    workloadsByIp,
  };
  sharedIndexes.set(inputs, idx);
  return idx;
}

/**
 * Pods of a namespace that may match a selector: those carrying its rarest
 * key=value (an index built once per snapshot), so deriving endpoints does
 * not scan every pod for every service.
 */
function candidatePods(shared: SharedIndex, namespace: string, selector: Record<string, string> | undefined): Pod[] {
  const all = shared.podsByNamespace.get(namespace) ?? [];
  const pairs = Object.entries(selector ?? {});
  if (pairs.length === 0 || all.length < 32) return all;
  let byLabel = shared.podsByLabel.get(namespace);
  if (!byLabel) {
    byLabel = new Map();
    for (const pod of all) {
      for (const [k, v] of Object.entries(pod.metadata.labels ?? {})) {
        const key = `${k}=${v}`;
        const list = byLabel.get(key);
        if (list) list.push(pod);
        else byLabel.set(key, [pod]);
      }
    }
    shared.podsByLabel.set(namespace, byLabel);
  }
  let best: Pod[] | undefined;
  for (const [k, v] of pairs) {
    const list = byLabel.get(`${k}=${v}`) ?? [];
    if (!best || list.length < best.length) best = list;
  }
  return best ?? [];
}

/** A table compiled for every proxy of one kind in one namespace (and, for gateways, one label set). */
interface ScopedTable {
  table: RouteTable;
  /** Sidecars: pod IP → workload port → the service reaching it. */
  inboundByIp: Map<string, Map<number, { service: ServiceInfo; port: number }>>;
}

/**
 * Compiles the route table for one proxy. Tables depend on the proxy only
 * through its kind, namespace (short names, DestinationRule lookup, exportTo)
 * and, for gateways, labels; proxies sharing those share one compiled table
 * per snapshot object, and get their own `proxy`, `self` and inbound view.
 */
export function compileProxyConfig(inputs: MeshInputs & { revision?: number }, proxy: ProxyIdentity): RouteTable {
  const key = proxy.kind === 'gateway'
    ? `gateway|${proxy.namespace}|${Object.entries(proxy.labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}`
    : `sidecar|${proxy.namespace}`;
  let perInputs = scopedTables.get(inputs);
  if (!perInputs) {
    perInputs = new Map();
    scopedTables.set(inputs, perInputs);
  }
  let scoped = perInputs.get(key);
  if (!scoped) {
    scoped = compileScope(inputs, proxy);
    perInputs.set(key, scoped);
  }
  const shared = sharedIndexOf(inputs);
  const selfPod = shared.podIndex.byKey.get(`${proxy.namespace}/${proxy.name}`) ?? (proxy.ip ? shared.podIndex.byIp.get(proxy.ip) : undefined);
  const self = workloadOfProxy(proxy, proxy.kind === 'sidecar' ? selfPod : undefined);
  let workloadsByIp: ReadonlyMap<string, WorkloadInfo> = scoped.table.workloadsByIp;
  if (proxy.ip && !workloadsByIp.has(proxy.ip)) workloadsByIp = new Map([...workloadsByIp, [proxy.ip, self]]);
  return {
    ...scoped.table,
    proxy,
    self,
    inboundServices: (proxy.kind === 'sidecar' && proxy.ip ? scoped.inboundByIp.get(proxy.ip) : undefined) ?? new Map(),
    workloadsByIp,
  };
}

function compileScope(inputs: MeshInputs & { revision?: number }, proxy: ProxyIdentity): ScopedTable {
  const warnings: string[] = [];
  const shared = sharedIndexOf(inputs);
  const podIndex = shared.podIndex;
  const clientNs = proxy.namespace;

  // Services visible to this scope: every Service, and ServiceEntries exported to it.
  const records = new Map<string, ServiceRecord>(shared.services);
  for (const { entry, infos } of shared.entries) {
    if (!isVisibleTo(entry.spec?.exportTo, entry.metadata.namespace ?? 'default', clientNs)) continue;
    for (const info of infos) if (!records.has(info.fqdn)) records.set(info.fqdn, { info, entry });
  }
  const servicesByHost = new Map<string, ServiceInfo>();
  const servicesByAddress = new Map<string, ServiceInfo>();
  for (const r of records.values()) {
    servicesByHost.set(r.info.fqdn, r.info);
    for (const a of r.info.addresses) servicesByAddress.set(a, r.info);
  }

  // Clusters, built on demand and memoised.
  const clusters = new Map<string, Cluster>();
  const endpointsOf = (r: ServiceRecord, port: ServicePortInfo): EndpointInfo[] => {
    const key = `${r.info.fqdn}:${port.number}`;
    let eps = shared.baseEndpoints.get(key);
    if (!eps) {
      const nsPods = candidatePods(shared, r.info.namespace, r.service?.spec?.selector);
      eps = r.service ? serviceEndpoints(r.service, port, r.endpoints, nsPods, podIndex) : serviceEntryEndpoints(r.entry!, r.info.fqdn, port, nsPods);
      shared.baseEndpoints.set(key, eps);
    }
    return eps;
  };
  const clusterFor = (fqdn: string, portNumber: number, subset: string | undefined): string => {
    const name = clusterName('outbound', portNumber, subset, fqdn);
    if (clusters.has(name)) return name;
    const r = records.get(fqdn);
    const port = r?.info.ports.find((p) => p.number === portNumber);
    if (!r || !port) return name;
    const dr = findDestinationRule(inputs.destinationRules, fqdn, clientNs, r.info.namespace);
    let subsetLabels: Record<string, string> | undefined;
    if (subset) {
      const def = dr?.spec?.subsets?.find((s) => s.name === subset);
      if (!def) return name;
      subsetLabels = def.labels ?? {};
    }
    const all = endpointsOf(r, port);
    const endpoints = subsetLabels ? all.filter((e) => Object.entries(subsetLabels!).every(([k, v]) => e.labels[k] === v)) : all;
    clusters.set(name, { name, service: r.info, port: portNumber, subset, subsetLabels, endpoints, policy: clusterPolicyOf(dr, portNumber, subset) });
    return name;
  };
  for (const r of records.values()) {
    const dr = findDestinationRule(inputs.destinationRules, r.info.fqdn, clientNs, r.info.namespace);
    for (const p of r.info.ports) {
      clusterFor(r.info.fqdn, p.number, undefined);
      for (const s of dr?.spec?.subsets ?? []) clusterFor(r.info.fqdn, p.number, s.name);
    }
  }

  /** Resolves a route destination written in `namespace`, for a request on `requestPort`. */
  const resolverFor = (namespace: string, origin: string, requestPort: number | undefined, portName?: string): ResolveDestination => (dest: Destination, weight: number) => {
    const fqdn = records.has(dest.host.toLowerCase()) ? dest.host.toLowerCase() : qualifyHost(dest.host, namespace);
    const r = records.get(fqdn);
    let port = dest.port?.number;
    if (port === undefined && portName && r) port = r.info.ports.find((p) => p.name === portName)?.number;
    if (port === undefined && r && r.info.ports.length === 1) port = r.info.ports[0]!.number;
    if (port === undefined) port = requestPort ?? r?.info.ports[0]?.number ?? 80;
    if (!r) warnings.push(`${origin}: host ${dest.host} (${fqdn}) is not a known service`);
    const cluster = clusterFor(fqdn, port, dest.subset);
    if (r && !clusters.has(cluster)) warnings.push(`${origin}: no cluster ${cluster} (subset "${dest.subset ?? ''}" or port ${port} undefined)`);
    return { cluster, host: fqdn, subset: dest.subset, port, weight } satisfies WeightedDestination;
  };

  const visibleVs = inputs.virtualServices.filter((vs) => isVisibleTo(vs.spec?.exportTo, vs.metadata.namespace ?? 'default', clientNs) || proxy.kind === 'gateway');

  const virtualHosts = new Map<string, VirtualHost>();
  let gatewayHosts: GatewayHost[] = [];
  let gatewayTcp = new Map<number, CompiledTcpRoute[]>();
  let servers: RouteTable['gatewayServers'] = [];

  if (proxy.kind === 'sidecar') {
    const meshVs = visibleVs.filter((vs) => vsGateways(vs).includes(MESH_GATEWAY));
    for (const r of records.values()) {
      const chosen = meshVirtualServiceFor(meshVs, r.info.fqdn, clientNs, warnings);
      for (const port of r.info.ports) {
        virtualHosts.set(`${r.info.fqdn}:${port.number}`, buildSidecarVirtualHost(r.info, port, chosen, resolverFor, warnings));
      }
    }
  } else {
    const scope = compileGatewayScope({
      labels: proxy.labels,
      gateways: inputs.gateways,
      virtualServices: visibleVs,
      ingresses: inputs.ingresses,
      resolverFor,
      warnings,
    });
    servers = scope.servers;
    gatewayHosts = scope.gatewayHosts;
    gatewayTcp = scope.gatewayTcp;
  }

  const inboundByIp = new Map<string, Map<number, { service: ServiceInfo; port: number }>>();
  if (proxy.kind === 'sidecar') {
    for (const c of clusters.values()) {
      if (c.subset || c.service.kind !== 'Service') continue;
      for (const e of c.endpoints) {
        let ports = inboundByIp.get(e.address);
        if (!ports) {
          ports = new Map();
          inboundByIp.set(e.address, ports);
        }
        if (!ports.has(e.port)) ports.set(e.port, { service: c.service, port: c.port });
      }
    }
  }

  return {
    inboundByIp,
    table: {
      revision: inputs.revision ?? 0,
      proxy,
      self: workloadOfProxy(proxy),
      services: [...records.values()].map((r) => r.info),
      clusters,
      virtualHosts,
      servicesByHost,
      servicesByAddress,
      inboundServices: new Map(),
      workloadsByIp: shared.workloadsByIp,
      gatewayServers: servers,
      gatewayHosts,
      gatewayTcp,
      warnings,
    },
  };
}
