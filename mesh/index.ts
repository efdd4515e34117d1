// mesh: the sidecar data plane and the mesh config compiler. Imports only
// control/api; everything else (config, tracer, metrics sink, rate limits)
// is injected.

export type { MeshInputs, MeshInputField, MeshSnapshot, ConfigSource } from './config/inputs.ts';
export { StaticConfigSource, EMPTY_INPUTS, MESH_INPUT_KINDS, MESH_INPUT_FIELDS, MESH_INPUT_TYPES, meshInputsFrom, meshInputsFromObjects, inputFieldForKind } from './config/inputs.ts';
export type { ProxyIdentity, WorkloadInfo } from './config/identity.ts';
export { DEFAULT_GATEWAY_IDENTITY, workloadOfPod, workloadOfProxy, isMeshedPod, traceServiceName } from './config/identity.ts';
export type {
  RouteTable, Cluster, ClusterPolicy, EndpointInfo, ServiceInfo, VirtualHost, CompiledHttpRoute, CompiledTcpRoute, GatewayHost, WeightedDestination,
  LoadBalancerPolicy, ConnectionPoolPolicy, OutlierPolicy, RetryPolicy, FaultPolicy,
} from './config/table.ts';
export { compileProxyConfig, clusterName } from './config/compile.ts';
export { RouteTableWatcher } from './config/watcher.ts';
export type { RouteTableWatcherOptions } from './config/watcher.ts';
export { lookupServiceHost, lookupGatewayHost } from './config/lookup.ts';
export { qualifyHost, parseDurationMs } from './config/hosts.ts';

export type { Sidecar, SidecarOptions } from './proxy/sidecar.ts';
export { startSidecar } from './proxy/sidecar.ts';
export type { IngressGateway, IngressGatewayOptions } from './proxy/gateway.ts';
export { startIngressGateway } from './proxy/gateway.ts';

export type { AuthorizationCheck } from './layers/deps.ts';
export { ALLOW_ALL, ORIGINAL_PORT_HEADER } from './layers/deps.ts';
export type { ResponseFlag } from './layers/errors.ts';
export { MeshError } from './layers/errors.ts';
export type { Layer, Handler, MeshRequest, MeshResponse } from './layers/context.ts';

export type { RequestLabels, EdgeStats, MeshMetricsOptions } from './telemetry/metrics.ts';
export { MeshMetrics } from './telemetry/metrics.ts';
export { processMetricsRegistry, renderRegistries } from './telemetry/prometheus.ts';
export { canonicalOf, DEFAULT_CLUSTER_ID } from './telemetry/canonical.ts';
export { extractParent, injectContext } from './telemetry/propagation.ts';

export type { ProxyConfigSection, ClusterRuntimeView, ExplainInput, Explanation, ExplainedDestination, AnalyzeInput, Finding } from './explain/index.ts';
export { formatProxyConfig, explainRequest, formatExplanation, analyzeMesh, formatFindings } from './explain/index.ts';
