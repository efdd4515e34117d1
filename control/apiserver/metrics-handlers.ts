// The read-only metrics APIs, served from samples rather than the store:
//   metrics.k8s.io/v1beta1        PodMetrics (`pods`), NodeMetrics (`nodes`), as metrics-server
//   custom.metrics.k8s.io/v1beta2 MetricValueList for pods/* and services/NAME, as prometheus-adapter
// get and list only, with labelSelector; anything else is a 405.

import type { Client, MeshRateSource, Node, NodeMetrics, Pod, PodMetrics, ResourceMetricsSource } from '../api/index.ts';
import { ApiError, NODES, PODS, SERVICES, parseLabelSelector } from '../api/index.ts';

export interface MetricsApiSources {
  resources: ResourceMetricsSource;
  rates?: MeshRateSource;
}

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const CUSTOM_METRICS_GROUP = 'custom.metrics.k8s.io';
export const CUSTOM_METRICS_VERSION = 'v1beta2';

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metrics-server's quantities: CPU in nanocores, memory in KiB. */
export function cpuQuantity(cores: number): string {
  return `${Math.round(cores * 1e9)}n`;
}

export function memoryQuantity(bytes: number): string {
  return `${Math.round(bytes / 1024)}Ki`;
}

function windowText(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

function selectorOf(query: URLSearchParams): string | undefined {
  const raw = query.get('labelSelector') || undefined;
  if (raw) parseLabelSelector(raw); // a bad selector is a 400 naming it
  return raw;
}

async function podMetrics(client: Client, source: ResourceMetricsSource, namespace: string | undefined, query: URLSearchParams, nowMs: number): Promise<PodMetrics[]> {
  const pods = await client.list<Pod>(PODS, { namespace, labelSelector: selectorOf(query) });
  const byKey = new Map(pods.items.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
  const out: PodMetrics[] = [];
  for (const sample of source.podUsage()) {
    const pod = byKey.get(`${sample.namespace}/${sample.name}`);
    if (!pod) continue;
    out.push({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: sample.name, namespace: sample.namespace, ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}), creationTimestamp: iso(nowMs) },
      timestamp: iso(sample.timestampMs),
      window: windowText(sample.windowMs),
      containers: sample.containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(c.cpuCores), memory: memoryQuantity(c.memoryBytes) } })),
    });
  }
  return out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
}

async function nodeMetrics(client: Client, source: ResourceMetricsSource, query: URLSearchParams, nowMs: number): Promise<NodeMetrics[]> {
  const nodes = await client.list<Node>(NODES, { labelSelector: selectorOf(query) });
  const byName = new Map(nodes.items.map((n) => [n.metadata.name, n]));
  const out: NodeMetrics[] = [];
  for (const u of source.nodeUsage()) {
    const node = byName.get(u.nodeName);
    if (!node) continue;
    out.push({
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: u.nodeName, ...(node.metadata.labels ? { labels: node.metadata.labels } : {}), creationTimestamp: iso(nowMs) },
      timestamp: iso(u.timestampMs),
      window: windowText(u.windowMs),
      usage: { cpu: cpuQuantity(u.cpuCores), memory: memoryQuantity(u.memoryBytes) },
    });
  }
  return out.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

function list(kind: string, apiVersion: string, items: unknown[]): Record<string, unknown> {
  return { kind, apiVersion, metadata: {}, items };
}

/** Serves /apis/metrics.k8s.io/v1beta1/…; returns undefined for paths outside it. */
export async function serveResourceMetrics(
  client: Client,
  source: ResourceMetricsSource,
  method: string,
  path: string,
  query: URLSearchParams,
  nowMs: number,
): Promise<Record<string, unknown> | PodMetrics | NodeMetrics | undefined> {
  const prefix = `/apis/${METRICS_GROUP}/${METRICS_VERSION}/`;
  if (!path.startsWith(prefix)) return undefined;
  const parts = path.slice(prefix.length).split('/').map(decodeURIComponent);
  let namespace: string | undefined;
  let rest = parts;
  if (parts[0] === 'namespaces' && parts.length >= 3) {
    namespace = parts[1];
    rest = parts.slice(2);
  }
  const [resource, name, ...extra] = rest;
  if ((resource !== 'pods' && resource !== 'nodes') || extra.length > 0 || (resource === 'nodes' && namespace !== undefined)) {
    throw new ApiError('NotFound', `the server could not find the requested resource (${path})`);
  }
  if (method !== 'GET') throw new ApiError('MethodNotAllowed', `apiserver: ${method} is not supported on ${resource}.${METRICS_GROUP}: the metrics API is read-only`);
  const apiVersion = `${METRICS_GROUP}/${METRICS_VERSION}`;
  if (resource === 'pods') {
    const items = await podMetrics(client, source, namespace, name === undefined ? query : new URLSearchParams(), nowMs);
    if (name === undefined) return list('PodMetricsList', apiVersion, items);
    const found = items.find((m) => m.metadata.name === name);
    if (!found) throw new ApiError('NotFound', `podmetrics.metrics.k8s.io "${name}" not found`, { name, group: METRICS_GROUP, kind: 'pods' });
    return found;
  }
  const items = await nodeMetrics(client, source, name === undefined ? query : new URLSearchParams(), nowMs);
  if (name === undefined) return list('NodeMetricsList', apiVersion, items);
  const found = items.find((m) => m.metadata.name === name);
  if (!found) throw new ApiError('NotFound', `nodemetrics.metrics.k8s.io "${name}" not found`, { name, group: METRICS_GROUP, kind: 'nodes' });
  return found;
}

/**
 * Serves /apis/custom.metrics.k8s.io/v1beta2/namespaces/NS/pods/{*|NAME}/METRIC and
 * …/services/NAME/METRIC, as prometheus-adapter answers the HPA controller.
 */
export async function serveCustomMetrics(
  client: Client,
  rates: MeshRateSource,
  method: string,
  path: string,
  query: URLSearchParams,
): Promise<Record<string, unknown> | undefined> {
  const prefix = `/apis/${CUSTOM_METRICS_GROUP}/${CUSTOM_METRICS_VERSION}/`;
  if (!path.startsWith(prefix)) return undefined;
  const parts = path.slice(prefix.length).split('/').map(decodeURIComponent);
  const m = parts.length === 5 && parts[0] === 'namespaces' ? { namespace: parts[1]!, resource: parts[2]!, name: parts[3]!, metric: parts[4]! } : undefined;
  if (!m || (m.resource !== 'pods' && m.resource !== 'services') || !rates.metricNames.includes(m.metric)) {
    throw new ApiError('NotFound', `the server could not find the metric ${parts.at(-1) ?? ''} for ${parts[2] ?? 'resource'}`);
  }
  if (method !== 'GET') throw new ApiError('MethodNotAllowed', `apiserver: ${method} is not supported on ${CUSTOM_METRICS_GROUP}: the custom metrics API is read-only`);
  const window = rates.window();
  if (!window) throw new ApiError('NotFound', `the server could not find the metric ${m.metric} for ${m.resource}: no full window has passed yet`);
  const value = (n: number) => `${Math.round(n * 1000)}m`;
  const item = (kind: string, name: string, v: number) => ({
    describedObject: { kind, namespace: m.namespace, name, apiVersion: '/v1' },
    metric: { name: m.metric, selector: null },
    timestamp: new Date(window.timestampMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    windowSeconds: Math.round(window.windowMs / 1000),
    value: value(v),
  });
  const apiVersion = `${CUSTOM_METRICS_GROUP}/${CUSTOM_METRICS_VERSION}`;
  if (m.resource === 'services') {
    const svc = await client.get(SERVICES, m.namespace, m.name);
    if (!svc) throw new ApiError('NotFound', `services "${m.name}" not found`, { name: m.name, kind: 'services' });
    return list('MetricValueList', apiVersion, [item('Service', m.name, rates.serviceRate(m.metric, m.namespace, m.name))]);
  }
  const selector = m.name === '*' ? selectorOf(query) : undefined;
  const pods = await client.list<Pod>(PODS, { namespace: m.namespace, labelSelector: selector });
  const chosen = pods.items.filter((p) => (m.name === '*' || p.metadata.name === m.name) && p.status?.phase === 'Running');
  if (m.name !== '*' && chosen.length === 0) throw new ApiError('NotFound', `pods "${m.name}" not found`, { name: m.name, kind: 'pods' });
  return list('MetricValueList', apiVersion, chosen.map((p) => item('Pod', p.metadata.name, rates.podRate(m.metric, m.namespace, p.metadata.name))));
}
