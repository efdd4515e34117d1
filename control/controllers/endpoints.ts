// Endpoints controller: for each Service with a selector, an Endpoints object
// of the same name listing the selected pods' IPs (ready → addresses, not
// ready → notReadyAddresses) with ports resolved from targetPort. Services
// without a selector keep whatever Endpoints the user wrote.

import type { Client, EndpointSubset, Endpoints, Pod, Service } from '../api/index.ts';
import { ENDPOINTS, SERVICES, isApiError, matchesLabels } from '../api/index.ts';
import type { Reconciler } from '../runtime/index.ts';
import { groupByPorts, serviceBackends } from './endpoint-addresses.ts';
import { splitKey } from './keys.ts';
import { canonicalJson } from './names.ts';
import { clientPodLister } from './pod-lister.ts';
import type { PodLister } from './pod-lister.ts';

/** Marks Endpoints this controller owns, so a user's selector-less Endpoints are never touched. */
export const ENDPOINTS_MANAGED_BY_LABEL = 'endpoints.kubernetes.io/managed-by';
export const ENDPOINTS_MANAGED_BY = 'endpoint-controller';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export function selectsPods(service: Service): boolean {
  return service.spec?.type !== 'ExternalName' && Object.keys(service.spec?.selector ?? {}).length > 0;
}

export async function selectedPods(pods: PodLister, service: Service): Promise<Pod[]> {
  const selected = await pods(service.metadata.namespace, { matchLabels: service.spec?.selector ?? {} });
  return selected.filter((p) => matchesLabels(p.metadata.labels, service.spec?.selector));
}

export function buildSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const backends = serviceBackends(service, pods).filter((b) => !b.terminating || publishNotReady);
  return groupByPorts(backends).map((g) => {
    const ready = g.backends.filter((b) => b.ready).map((b) => b.address);
    const notReady = g.backends.filter((b) => !b.ready).map((b) => b.address);
    return {
      ...(ready.length ? { addresses: ready } : {}),
      ...(notReady.length ? { notReadyAddresses: notReady } : {}),
      ...(g.ports.length ? { ports: g.ports } : {}),
    };
  });
}

export function endpointsLabels(service: Service): Record<string, string> {
  return {
    ...(service.metadata.labels ?? {}),
    ...(service.spec?.clusterIP === 'None' ? { [HEADLESS_LABEL]: '' } : {}),
    [ENDPOINTS_MANAGED_BY_LABEL]: ENDPOINTS_MANAGED_BY,
  };
}

export function createEndpointsReconciler(options: { client: Client; pods?: PodLister }): Reconciler {
  const { client } = options;
  const pods = options.pods ?? clientPodLister(client);
  return {
    name: 'endpoints',
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const service = await client.get<Service>(SERVICES, namespace, name);
      const existing = await client.get<Endpoints>(ENDPOINTS, namespace, name);
      if (!service || !selectsPods(service)) {
        if (existing && existing.metadata.labels?.[ENDPOINTS_MANAGED_BY_LABEL] === ENDPOINTS_MANAGED_BY) {
          try {
            await client.delete(ENDPOINTS, namespace, name);
          } catch (err) {
            if (!isApiError(err, 'NotFound')) throw err;
          }
        }
        return;
      }
      if (service.metadata.deletionTimestamp) return;
      const subsets = buildSubsets(service, await selectedPods(pods, service));
      const labels = endpointsLabels(service);
      if (existing) {
        if (canonicalJson(existing.subsets ?? []) === canonicalJson(subsets) && canonicalJson(existing.metadata.labels ?? {}) === canonicalJson(labels)) return;
        await client.update(ENDPOINTS, { ...existing, metadata: { ...existing.metadata, labels }, subsets });
        return;
      }
      // AlreadyExists (a concurrent writer) propagates: the retry reconciles from the new state.
      await client.create(ENDPOINTS, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels }, subsets });
    },
  };
}
