// Who a proxy is and who a workload is, in the terms Istio's telemetry uses
// (workload = owning Deployment or the pod name, app/version from labels).

import type { Labels, Pod } from '../../control/api/index.ts';

export interface ProxyIdentity {
  kind: 'sidecar' | 'gateway';
  /** Pod name for a sidecar, deployment-like name for a gateway. */
  name: string;
  namespace: string;
  labels: Labels;
  ip?: string;
  serviceAccount?: string;
}

export interface WorkloadInfo {
  workload: string;
  namespace: string;
  app: string;
  version: string;
  /** spiffe://cluster.local/ns/NS/sa/SA */
  principal: string;
  labels: Labels;
  pod?: string;
  ip?: string;
}

export const CLUSTER_DOMAIN = 'cluster.local';

export const DEFAULT_GATEWAY_IDENTITY: ProxyIdentity = {
  kind: 'gateway',
  name: 'istio-ingressgateway',
  namespace: 'istio-system',
  labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
  serviceAccount: 'istio-ingressgateway-service-account',
};

export const UNKNOWN_WORKLOAD: WorkloadInfo = {
  workload: 'unknown',
  namespace: 'unknown',
  app: 'unknown',
  version: 'unknown',
  principal: 'unknown',
  labels: {},
};

export function principalOf(namespace: string, serviceAccount: string | undefined): string {
  return `spiffe://${CLUSTER_DOMAIN}/ns/${namespace}/sa/${serviceAccount ?? 'default'}`;
}

function appOf(labels: Labels, fallback: string): string {
  return labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels.app ?? fallback;
}

function versionOf(labels: Labels): string {
  return labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? labels.version ?? 'unknown';
}

/** Workload name as Istio derives it: the Deployment behind a ReplicaSet-owned pod, else the owner, else the pod. */
export function workloadNameOfPod(pod: Pod): string {
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return pod.metadata.name;
  if (owner.kind === 'ReplicaSet') {
    const m = owner.name.match(/^(.*)-[a-z0-9]{5,10}$/);
    return m ? m[1]! : owner.name;
  }
  return owner.name;
}

export function workloadOfPod(pod: Pod): WorkloadInfo {
  const labels = pod.metadata.labels ?? {};
  const namespace = pod.metadata.namespace ?? 'default';
  const workload = workloadNameOfPod(pod);
  return {
    workload,
    namespace,
    app: appOf(labels, workload),
    version: versionOf(labels),
    principal: principalOf(namespace, pod.spec?.serviceAccountName),
    labels,
    pod: `${namespace}/${pod.metadata.name}`,
    ip: pod.status?.podIP,
  };
}

export function workloadOfProxy(proxy: ProxyIdentity, pod?: Pod): WorkloadInfo {
  if (pod) return workloadOfPod(pod);
  const name = proxy.kind === 'sidecar' ? proxy.name.replace(/-[a-z0-9]{5,10}-[a-z0-9]{5}$/, '') : proxy.name;
  return {
    workload: name,
    namespace: proxy.namespace,
    app: appOf(proxy.labels, name),
    version: versionOf(proxy.labels),
    principal: principalOf(proxy.namespace, proxy.serviceAccount),
    labels: proxy.labels,
    pod: `${proxy.namespace}/${proxy.name}`,
    ip: proxy.ip,
  };
}

/**
 * The `service.name` a workload's proxy reports its spans under, as Istio's
 * proxies do: canonical service and namespace, e.g. `productpage.default`.
 */
export function traceServiceName(workload: Pick<WorkloadInfo, 'app' | 'namespace'>): string {
  return `${workload.app}.${workload.namespace}`;
}

/** True unless the pod opted out of the mesh (sidecar.istio.io/inject=false as label or annotation). */
export function isMeshedPod(pod: Pod): boolean {
  const label = pod.metadata.labels?.['sidecar.istio.io/inject'];
  const annotation = pod.metadata.annotations?.['sidecar.istio.io/inject'];
  return label !== 'false' && annotation !== 'false';
}
