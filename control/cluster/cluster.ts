// Assembles a whole cluster in one process: store, registry, API server,
// controllers, scheduler, cluster DNS, service proxy, tracing, rate limiter,
// ingress gateway, dashboard and N node agents. `meshlet up` and the
// integration tests both start clusters through here.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { ENDPOINTS, NODES, PODS, SERVICES, systemClock } from '../api/index.ts';
import type { Clock, ObjectInput, Service, Store } from '../api/index.ts';
import { openStore } from '../store/index.ts';
import { createRegistry, ensureSystemPriorityClasses } from '../registry/index.ts';
import type { Registry } from '../registry/index.ts';
import { startApiServer, kubeconfigFor, createServingCert } from '../apiserver/index.ts';
import type { ServingCert } from '../apiserver/index.ts';
import type { ApiServer } from '../apiserver/index.ts';
import { DEFAULT_NODE_MONITOR_GRACE_MS, ensureDefaultStorageClass, nodeLeaseRenewMs, startControllers, startServiceControllers } from '../controllers/index.ts';
import { startScheduler } from '../scheduler/index.ts';
import type { SchedulerConfiguration } from '../scheduler/index.ts';
import { createPodRuntime, loadImageMap, builtinImageMapFile, podLogSource } from '../agent/containers/index.ts';
import type { PodRuntime, PodLogStreamSource, RestartBackoffOptions } from '../agent/containers/index.ts';
import { SpanRing, createTracerPipeline } from '../telemetry/index.ts';
import type { TracerPipeline } from '../telemetry/index.ts';
import { startDashboard } from '../dashboard/index.ts';
import {
  validateOverlayConfig, SubnetAllocator, ServiceIpAllocator, NodePortAllocator, DEFAULT_SERVICE_CIDR, formatIpv4, parseCidr,
} from '../../overlay/ipam/index.ts';
import { loadBalancerPool } from './load-balancer-pool.ts';
import { startDnsServer, startServiceProxy } from '../../overlay/index.ts';
import { startIngressGateway, MeshMetrics, DEFAULT_GATEWAY_IDENTITY, traceServiceName, workloadOfProxy, processMetricsRegistry, renderRegistries } from '../../mesh/index.ts';
import { createAuthorizationCheck } from '../../mesh/security/index.ts';
import { createRateLimitService, InProcessCounter, RateLimitMetrics } from '../../mesh/ratelimit/index.ts';
import { ClusterState } from './cluster-state.ts';
import { InformerSet } from '../runtime/index.ts';
import { claimAddressSlot } from './address-slot.ts';
import type { AddressSlot } from './address-slot.ts';
import { applyObjects } from './apply.ts';
import { catalogResolver } from './kind-resolvers.ts';
import { startNodeHost } from './node-host.ts';
import { createPodLogRouter } from './pod-logs.ts';
import { createAuthorizationPolicySource, createMeshConfigSource, createNetworkPolicySource, createPolicySource, networkPolicyAdmission, WATCHED_KINDS } from './sources.ts';
import { writeJoinInfo } from './join-info.ts';
import type { ApplyResult } from './apply.ts';
import { createDashboardSource } from './dashboard-source.ts';
import { ensureDefaultIngressClass } from './default-ingress-class.ts';
import { createResourceMetricsSource } from './metrics-source.ts';
import { RequestRates } from './request-rates.ts';
import { RemoteUsage } from './remote-usage.ts';
import { DEFAULT_METRIC_RESOLUTION_MS } from '../agent/index.ts';
import type { UsageSampler } from '../agent/index.ts';
import { createInProcessMetricsClient, startHpaController } from '../controllers/hpa/index.ts';

export interface ClusterOptions {
  /** MESHLET_HOME of this cluster: run files, logs, kubeconfig. */
  home: string;
  nodes?: number;
  apiPort?: number;
  ingressPort?: number;
  dnsPort?: number;
  uiPort?: number;
  /** `redis://…` or `etcd://h:p[,h:p…]` to keep cluster state there; default in memory. */
  storeUrl?: string;
  /** Durable embedded store directory (snapshot + append-only log). */
  dataDir?: string;
  /** Redis for global rate limits; default in-process counters. */
  rateLimitRedis?: string;
  clusterCidr?: string;
  serviceCidr?: string;
  /** Addresses for LoadBalancer Services (on 127/8); default the address slot's 127.(200+k).0.0/24. */
  loadBalancerCidr?: string;
  /** Prefix length of each node's pod subnet; default 24. */
  nodeSubnetLength?: number;
  /** Extra image map files (user mappings); the built-in examples map is always loaded first. */
  imageMaps?: string[];
  /** Objects to apply once the cluster is up. */
  manifests?: ObjectInput[];
  clock?: Clock;
  /** How long a node may miss heartbeats before it is Ready=Unknown and tainted unreachable. Default 40 s. */
  nodeMonitorGracePeriodMs?: number;
  /** Scheduler profiles and user plugins (`meshlet up --scheduler-config`); default kube-scheduler's default profile. */
  schedulerConfig?: SchedulerConfiguration;
  /** Probe timing scale for tests (see the pod runtime). */
  probeTimeScale?: number;
  /** Container restart back-off; default kubelet's (10 s doubling to 300 s). Tests shorten it. */
  restartBackoff?: RestartBackoffOptions;
  /** Report background problems (default: stderr). */
  log?: (line: string) => void;
  /** How often the HPA controller syncs each HPA (--horizontal-pod-autoscaler-sync-period). Default 15 s. */
  hpaSyncPeriodMs?: number;
  /** Scale-down stabilization window (--horizontal-pod-autoscaler-downscale-stabilization). Default 300 s. */
  hpaDownscaleStabilizationMs?: number;
  /** Usage sampling interval = the window of metrics.k8s.io figures (metrics-server's --metric-resolution). Default 15 s. */
  metricResolutionMs?: number;
}

export interface RunningCluster {
  readonly home: string;
  readonly registry: Registry;
  readonly store: Store;
  readonly apiServer: ApiServer;
  readonly token: string;
  readonly kubeconfigPath: string;
  readonly ingressUrl: string;
  /** Gateway TCP server port → local port on 127.0.0.1 (31400 → a free port). */
  readonly ingressTcpPorts: Readonly<Record<number, number>>;
  /** The dashboard; its /metrics serves Istio's standard metrics, rate-limit counters and process metrics. */
  readonly dashboardUrl: string;
  readonly dns: { host: string; port: number };
  readonly nodes: { name: string; podCidr: string; address: string }[];
  readonly clusterCidr: string;
  readonly serviceCidr: string;
  readonly loadBalancerCidr: string;
  readonly spans: SpanRing;
  readonly metrics: MeshMetrics;
  readonly applied: ApplyResult[];
  /** Container logs of every pod this process runs. */
  readonly podLogs: PodLogStreamSource;
  /** Applies more objects (create or update), as `meshlet apply` does. */
  apply(objects: ObjectInput[]): Promise<ApplyResult[]>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const closers: (() => Promise<void> | void)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        log(`meshlet: error while stopping: ${String(err)}`);
      }
    }
  };
  try {
    const runDir = join(options.home, 'run');
    mkdirSync(runDir, { recursive: true });

    let slot: AddressSlot | undefined;
    if (!options.clusterCidr && !options.serviceCidr) {
      slot = claimAddressSlot();
      closers.push(() => slot?.release());
    }
    const serviceCidrText = options.serviceCidr ?? slot?.serviceCidr ?? DEFAULT_SERVICE_CIDR;
    const overlay = validateOverlayConfig({
      clusterCidr: options.clusterCidr ?? slot?.clusterCidr,
      serviceCidr: serviceCidrText,
      nodeSubnetLength: options.nodeSubnetLength,
      // Like kube-dns's 10.96.0.10: the tenth address of the service range.
      clusterDnsIp: formatIpv4(parseCidr(serviceCidrText).base + 10),
    });

    const store = await openStore({ url: options.storeUrl, dataDir: options.dataDir, clock });
    closers.push(() => store.close());

    // The first service address belongs to the `kubernetes` Service, as 10.96.0.1 does.
    const kubernetesServiceIp = formatIpv4(overlay.serviceCidr.base + 1);
    const lbPool = loadBalancerPool(options.loadBalancerCidr ?? slot?.loadBalancerCidr, overlay);
    const serviceIps = new ServiceIpAllocator({ serviceCidr: overlay.serviceCidr.text, reserved: [overlay.clusterDnsIp, kubernetesServiceIp] });
    const nodePorts = new NodePortAllocator();
    const registry = createRegistry({
      store,
      clock,
      serviceIps: {
        allocate: async (requested, serviceName) => serviceIps.allocate(requested, serviceName),
        release: async (ip) => serviceIps.release(ip),
      },
      nodePorts: {
        allocate: async (requested, field, serviceName) => nodePorts.allocate(requested, field, serviceName),
        release: async (port) => nodePorts.release(port),
      },
    });
    await registry.ensureNamespaces();
    await ensureDefaultStorageClass(registry);
    await ensureSystemPriorityClasses(registry);
    await ensureDefaultIngressClass(registry);
    const existingServices = await registry.list<Service>(SERVICES);
    serviceIps.repair(existingServices.items.map((s) => s.spec?.clusterIP ?? '').filter((ip) => ip && ip !== 'None'));
    nodePorts.repair(existingServices.items.flatMap((s) => (s.spec?.ports ?? []).map((p) => p.nodePort ?? 0)).filter((p) => p > 0));

    // The pod runtime is shared by every node agent in this process; it also serves logs.
    // Built-in mappings, then the home's user file (skipped when absent), then --image-map files.
    const userImageMap = join(options.home, 'images.yaml');
    const imageMap = loadImageMap([builtinImageMapFile(), userImageMap, ...(options.imageMaps ?? [])], {
      userFile: options.imageMaps?.[options.imageMaps.length - 1] ?? userImageMap,
    });
    const runtime: PodRuntime = createPodRuntime({ runDir, imageMap, clock, probeTimeScale: options.probeTimeScale, restartBackoff: options.restartBackoff });
    closers.push(() => runtime.close());

    // Usage from this process's node agents and request rates from the sidecars feed the metrics APIs and the HPA.
    const metrics = new MeshMetrics();
    const usageSamplers: UsageSampler[] = [];
    // Filled in once the cluster view exists (joined nodes are found through it).
    const remoteUsage: { poller?: RemoteUsage } = {};
    const resourceMetrics = createResourceMetricsSource(() => usageSamplers, () => remoteUsage.poller?.current() ?? []);
    const metricResolutionMs = options.metricResolutionMs ?? DEFAULT_METRIC_RESOLUTION_MS;
    const requestRates = new RequestRates({ metrics, clock, resolutionMs: metricResolutionMs });
    requestRates.start();
    closers.push(() => requestRates.stop());

    const token = randomBytes(24).toString('hex');
    const podLogs = podLogSource(runtime);
    const nodes: RunningCluster['nodes'] = [];
    // Pods on nodes of this process log from the local runtime; joined nodes serve their own.
    const routedLogs = createPodLogRouter({ client: registry, local: podLogs, isLocalNode: (name) => nodes.some((n) => n.name === name) });
    const apiServer = await startApiServer({
      client: registry,
      kinds: registry.kinds,
      port: options.apiPort ?? 0,
      token,
      podLogs: routedLogs,
      tls: servingCert(options.home, kubernetesServiceIp),
      metrics: { resources: resourceMetrics, rates: requestRates },
    });
    closers.push(() => apiServer.close());
    const kubeconfigPath = join(options.home, 'kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfigFor({ server: apiServer.url, token, caData: apiServer.caData }), { mode: 0o600 });

    // One informer per kind for the whole process: controllers, scheduler and the views below share them.
    const informers = new InformerSet(registry, clock);
    closers.push(() => informers.stop());
    const nodeMonitorGracePeriodMs = options.nodeMonitorGracePeriodMs ?? DEFAULT_NODE_MONITOR_GRACE_MS;
    const controllers = await startControllers({
      client: registry, clock, informers, nodeMonitorGracePeriodMs, localPathRoot: localPathRoot(options), kinds: registry.kinds,
    });
    closers.push(() => controllers.stop());
    const scheduler = await startScheduler({ client: registry, clock, informers, ...(options.schedulerConfig ? { config: options.schedulerConfig } : {}) });
    closers.push(() => scheduler.stop());
    const serviceControllers = startServiceControllers({
      client: registry,
      informers,
      clock,
      loadBalancerPool: lbPool.addresses,
      apiServer: { clusterIp: kubernetesServiceIp, address: new URL(apiServer.url).hostname, port: Number(new URL(apiServer.url).port), caPem: apiServer.caData },
      onError: (name, key, err) => log(`meshlet: ${name} ${key}: ${String(err)}`),
    });
    closers.push(() => serviceControllers.stop());
    const hpa = startHpaController({
      client: registry,
      informers,
      clock,
      metrics: createInProcessMetricsClient(resourceMetrics, requestRates),
      syncPeriodMs: options.hpaSyncPeriodMs,
      downscaleStabilizationMs: options.hpaDownscaleStabilizationMs,
      onError: (name, key, err) => log(`meshlet: ${name} ${key}: ${String(err)}`),
    });
    closers.push(() => hpa.stop());

    const state = new ClusterState(informers, WATCHED_KINDS);
    state.start();
    closers.push(() => state.stop());
    await state.waitForSync();
    // Joined nodes' usage comes from their kubelet endpoint.
    const remote = new RemoteUsage({ nodes: () => state.list(NODES), isLocalNode: (name) => nodes.some((n) => n.name === name), clock, resolutionMs: metricResolutionMs });
    remote.start();
    remoteUsage.poller = remote;
    closers.push(() => remote.stop());

    const catalog = {
      services: () => state.list(SERVICES),
      endpoints: () => state.list(ENDPOINTS),
      pods: () => state.list(PODS),
      nodes: () => state.list(NODES),
      revision: () => state.revision(),
      onChange: (listener: () => void) => state.onChange(listener),
    };
    const meshConfig = createMeshConfigSource(state);

    const dns = await startClusterDns(options.dnsPort, (port) => startDnsServer({ host: overlay.clusterDnsIp, port, catalog, clock }));
    closers.push(() => dns.close());
    const serviceProxy = await startServiceProxy({
      catalog,
      clock,
      admit: networkPolicyAdmission(state),
      onError: (err, listener) => log(`meshlet: service proxy ${listener}: ${err.message}`),
    });
    closers.push(() => serviceProxy.close());

    const spans = new SpanRing();
    const tracing: TracerPipeline = createTracerPipeline({ serviceName: 'meshlet', exporters: [spans] });
    closers.push(() => tracing.shutdown());

    const policySource = createPolicySource(state);
    // One counter for every limiter in the process: without Redis, sidecars still share one global budget.
    const sharedCounter = options.rateLimitRedis ? undefined : new InProcessCounter(clock);
    const rateLimitMetrics = new RateLimitMetrics();
    const newRateLimiter = () =>
      createRateLimitService({ source: policySource, clock, redisUrl: options.rateLimitRedis, counter: sharedCounter, metrics: rateLimitMetrics });
    const limiters: ReturnType<typeof newRateLimiter>[] = [];

    const gatewayLimiter = newRateLimiter();
    limiters.push(gatewayLimiter);
    closers.push(() => gatewayLimiter.close());
    const authorizationPolicies = createAuthorizationPolicySource(state);
    const networkPolicies = createNetworkPolicySource(state);
    const gatewayAuthorization = createAuthorizationCheck({ source: authorizationPolicies, identity: DEFAULT_GATEWAY_IDENTITY });
    closers.push(() => gatewayAuthorization.close());
    const gateway = await startIngressGateway({
      identity: DEFAULT_GATEWAY_IDENTITY,
      authorization: gatewayAuthorization,
      host: '127.0.0.1',
      port: options.ingressPort ?? 0,
      config: meshConfig,
      tracer: tracing.tracerFor(traceServiceName(workloadOfProxy(DEFAULT_GATEWAY_IDENTITY))),
      metrics,
      rateLimit: gatewayLimiter,
      // Istio's default ingress gateway exposes 31400 for TCP routes (the tcp-echo sample).
      tcpPorts: { 31400: 0 },
      clock,
    });
    closers.push(() => gateway.close());

    const subnets = new SubnetAllocator({ store, clock, clusterCidr: overlay.clusterCidr.text, subnetLength: overlay.nodeSubnetLength });
    closers.push(() => subnets.close());
    // What `meshlet node join` needs to attach another process's node agent to this control plane.
    await writeJoinInfo(store, {
      clusterCidr: overlay.clusterCidr.text,
      serviceCidr: overlay.serviceCidr.text,
      nodeSubnetLength: overlay.nodeSubnetLength,
      dns: { host: dns.host, port: dns.port },
      nodeLeaseRenewMs: nodeLeaseRenewMs(nodeMonitorGracePeriodMs),
      serviceAccountToken: token,
    });
    const nodeCount = options.nodes ?? 2;
    for (let i = 1; i <= nodeCount; i++) {
      const limiter = newRateLimiter();
      limiters.push(limiter);
      closers.push(() => limiter.close());
      const host = await startNodeHost({
        nodeName: `node-${i}`,
        client: registry,
        store,
        subnets,
        runtime,
        runDir,
        dns: { host: dns.host, port: dns.port },
        meshConfig,
        tracerFor: (serviceName) => tracing.tracerFor(serviceName),
        metrics,
        rateLimit: limiter,
        authorizationPolicies,
        networkPolicies,
        clock,
        leaseRenewMs: nodeLeaseRenewMs(nodeMonitorGracePeriodMs),
        // meshlet has no TokenRequest issuer: pods get the one token the API server accepts.
        serviceAccountToken: async () => token,
        metricResolutionMs,
      });
      closers.push(() => host.stop());
      nodes.push(host.node);
      usageSamplers.push(host.usage);
    }

    // With Redis, wait for the connections so the first checks count instead of failing open.
    if (options.rateLimitRedis) await Promise.all(limiters.map((l) => l.ready()));

    const dashboard = await startDashboard({
      host: '127.0.0.1',
      port: options.uiPort ?? 0,
      clock,
      source: createDashboardSource({ state, spans, metrics }),
      // process_*/nodejs_* come from the one per-process registry: two clusters in one process report the same process.
      metrics: () => renderRegistries([metrics.registry, rateLimitMetrics.registry, processMetricsRegistry()]),
    });
    closers.push(() => dashboard.close());

    const apply = (objects: ObjectInput[]) => applyObjects(registry, objects, 'default', catalogResolver(registry.kinds, objects));
    const applied = options.manifests?.length ? await apply(options.manifests) : [];

    return {
      home: options.home,
      registry,
      store,
      apiServer,
      token,
      kubeconfigPath,
      ingressUrl: `http://127.0.0.1:${gateway.port}`,
      ingressTcpPorts: gateway.tcpPorts,
      dashboardUrl: dashboard.url,
      dns: { host: dns.host, port: dns.port },
      nodes,
      clusterCidr: overlay.clusterCidr.text,
      serviceCidr: overlay.serviceCidr.text,
      loadBalancerCidr: lbPool.cidr,
      spans,
      metrics,
      applied,
      podLogs,
      apply,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * The cluster DNS listens where kube-dns would — port 53 of its ClusterIP — when meshlet runs
 * as root and the port is free (so plain resolvers can use it); otherwise on a free high port,
 * which pods learn from MESHLET_DNS. An explicit --dns-port is used as given.
 */
async function startClusterDns<T>(requested: number | undefined, start: (port: number) => Promise<T>): Promise<T> {
  if (requested !== undefined) return start(requested);
  if (process.getuid?.() === 0) {
    try {
      return await start(53);
    } catch {
      // port 53 is taken on this address (e.g. a resolver bound to the wildcard): use a free port
    }
  }
  return start(0);
}

/** Where the local-path provisioner keeps volume directories: the data dir when there is one, else the home. */
export function localPathRoot(options: Pick<ClusterOptions, 'home' | 'dataDir'>): string {
  return join(options.dataDir ?? options.home, 'local-path-provisioner');
}

/**
 * One serving certificate per MESHLET_HOME, so kubeconfigs written earlier keep trusting a restarted
 * cluster. It names the `kubernetes` Service's ClusterIP and DNS names too, as kube-apiserver's does,
 * so in-cluster clients (KUBERNETES_SERVICE_HOST + the pod's ca.crt) verify it; a saved one that does
 * not (an older run, another address slot) is replaced.
 */
function servingCert(home: string, kubernetesServiceIp: string): ServingCert {
  const hosts = ['127.0.0.1', 'localhost', kubernetesServiceIp, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  const file = join(home, 'apiserver-tls.json');
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<ServingCert>;
      if (typeof saved.cert === 'string' && typeof saved.key === 'string') {
        const x509 = new X509Certificate(saved.cert);
        const covers = hosts.every((h) => (isIP(h) ? x509.checkIP(h) : x509.checkHost(h)) !== undefined);
        if (covers) return { cert: saved.cert, key: saved.key };
      }
    } catch {
      // unreadable: make a new one below
    }
  }
  const cert = createServingCert(hosts);
  writeFileSync(file, JSON.stringify(cert), { mode: 0o600 });
  return cert;
}


