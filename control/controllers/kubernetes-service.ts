// The `kubernetes` Service in `default`, which the API server itself keeps:
// ClusterIP the first address of the service CIDR, port 443 named https
// pointing at the API server's port, no selector, and Endpoints naming the
// API server's address (the EndpointSlice controller mirrors them into a
// slice). Run at start and every 10 s, like kube-apiserver's endpoint
// reconciler, so a deleted or edited Service or Endpoints comes back.

import type { Client, Endpoints, ObjectInput, Service } from '../api/index.ts';
import { ENDPOINTS, SERVICES, isApiError } from '../api/index.ts';
import type { Reconciler } from '../runtime/index.ts';
import { canonicalJson } from './names.ts';

export const KUBERNETES_SERVICE_NAME = 'kubernetes';
export const KUBERNETES_SERVICE_KEY = `default/${KUBERNETES_SERVICE_NAME}`;
/** kube-apiserver's --endpoint-reconciler interval. */
export const KUBERNETES_SERVICE_RESYNC_MS = 10_000;

export interface KubernetesServiceOptions {
  client: Client;
  /** First address of the service CIDR. */
  clusterIp: string;
  /** Where the API server listens. */
  apiAddress: string;
  apiPort: number;
}

const LABELS = { component: 'apiserver', provider: 'kubernetes' };

export function createKubernetesServiceReconciler(options: KubernetesServiceOptions): Reconciler {
  const { client, clusterIp, apiAddress, apiPort } = options;
  const ports = [{ name: 'https', port: 443, protocol: 'TCP' as const, targetPort: apiPort }];
  const subsets = [{ addresses: [{ ip: apiAddress }], ports: [{ name: 'https', port: apiPort, protocol: 'TCP' as const }] }];

  const ensureService = async (): Promise<void> => {
    const current = await client.get<Service>(SERVICES, 'default', KUBERNETES_SERVICE_NAME);
    if (!current) {
      const service: ObjectInput = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: KUBERNETES_SERVICE_NAME, namespace: 'default', labels: LABELS },
        spec: { type: 'ClusterIP', clusterIP: clusterIp, ports, sessionAffinity: 'None' },
      };
      await client.create(SERVICES, service);
      return;
    }
    // Only the ports are put back: the ClusterIP is immutable, as in Kubernetes.
    const havePorts = (current.spec?.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort }));
    if (canonicalJson(ports) === canonicalJson(havePorts) && current.spec?.type === 'ClusterIP') return;
    await client.update(SERVICES, { ...current, spec: { ...current.spec, type: 'ClusterIP', ports } });
  };

  const ensureEndpoints = async (): Promise<void> => {
    const current = await client.get<Endpoints>(ENDPOINTS, 'default', KUBERNETES_SERVICE_NAME);
    if (!current) {
      await client.create(ENDPOINTS, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: KUBERNETES_SERVICE_NAME, namespace: 'default', labels: LABELS }, subsets });
      return;
    }
    if (canonicalJson(current.subsets ?? []) === canonicalJson(subsets)) return;
    await client.update(ENDPOINTS, { ...current, subsets });
  };

  return {
    name: 'kubernetes-service',
    async reconcile(key) {
      if (key !== KUBERNETES_SERVICE_KEY) return;
      try {
        await ensureService();
        await ensureEndpoints();
      } catch (err) {
        // Another writer got there first: the next pass compares again.
        if (!isApiError(err, 'AlreadyExists') && !isApiError(err, 'Conflict')) throw err;
      }
      return { requeueAfterMs: KUBERNETES_SERVICE_RESYNC_MS };
    },
  };
}
