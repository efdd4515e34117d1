// EndpointSlice controller (discovery.k8s.io/v1): mirrors the Endpoints data
// of each selector Service into slices labelled kubernetes.io/service-name,
// one slice per distinct port list, owned by the Service. Unlike Endpoints,
// slices keep terminating pods (ready=false, terminating=true).

import type { Client, KubeObject, Service } from '../api/index.ts';
import { ENDPOINT_SLICES, SERVICES, isApiError } from '../api/index.ts';
import type { Reconciler } from '../runtime/index.ts';
import { groupByPorts, serviceBackends } from './endpoint-addresses.ts';
import type { ServiceBackend } from './endpoint-addresses.ts';
import { selectedPods, selectsPods } from './endpoints.ts';
import { splitKey } from './keys.ts';
import { canonicalJson, generatedName } from './names.ts';
import { controllerRef } from './owner-refs.ts';
import { clientPodLister } from './pod-lister.ts';
import type { PodLister } from './pod-lister.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const SLICE_MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_MANAGED_BY = 'endpointslice-controller.k8s.io';

export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: {
    addresses: string[];
    conditions: { ready: boolean; serving: boolean; terminating: boolean };
    hostname?: string;
    nodeName?: string;
    targetRef?: { kind: string; name: string; namespace: string; uid: string };
  }[];
  ports?: { name?: string; port: number; protocol?: string; appProtocol?: string }[];
}

function sliceEndpoints(backends: readonly ServiceBackend[], publishNotReady: boolean): EndpointSlice['endpoints'] {
  return backends.map((b) => {
    const serving = publishNotReady || b.ready;
    return {
      addresses: [b.address.ip],
      conditions: { ready: serving && !b.terminating, serving, terminating: b.terminating },
      ...(b.address.hostname ? { hostname: b.address.hostname } : {}),
      ...(b.address.nodeName ? { nodeName: b.address.nodeName } : {}),
      ...(b.address.targetRef ? { targetRef: b.address.targetRef } : {}),
    };
  });
}

export function createEndpointSliceReconciler(options: { client: Client; pods?: PodLister }): Reconciler {
  const { client } = options;
  const pods = options.pods ?? clientPodLister(client);

  async function deleteSlice(slice: EndpointSlice): Promise<void> {
    try {
      await client.delete(ENDPOINT_SLICES, slice.metadata.namespace, slice.metadata.name);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  return {
    name: 'endpointslice',
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const service = await client.get<Service>(SERVICES, namespace, name);
      const existing = (
        await client.list<EndpointSlice>(ENDPOINT_SLICES, { namespace, labelSelector: `${SERVICE_NAME_LABEL}=${name},${SLICE_MANAGED_BY_LABEL}=${SLICE_MANAGED_BY}` })
      ).items;
      if (!service || !selectsPods(service) || service.metadata.deletionTimestamp) {
        await Promise.all(existing.map(deleteSlice));
        return;
      }
      const publishNotReady = service.spec?.publishNotReadyAddresses === true;
      let groups = groupByPorts(serviceBackends(service, await selectedPods(pods, service)));
      // A Service with no backends still gets one (empty) slice, as on Kubernetes.
      if (groups.length === 0) groups = [{ ports: [], backends: [] }];
      const labels = {
        ...(service.metadata.labels ?? {}),
        [SERVICE_NAME_LABEL]: name,
        [SLICE_MANAGED_BY_LABEL]: SLICE_MANAGED_BY,
      };
      const unused = [...existing];
      for (const g of groups) {
        const ports = g.ports.map((p) => ({ ...p }));
        const endpoints = sliceEndpoints(g.backends, publishNotReady);
        const matchIndex = unused.findIndex((s) => canonicalJson(s.ports ?? []) === canonicalJson(ports));
        const match = matchIndex >= 0 ? unused.splice(matchIndex, 1)[0] : unused.shift();
        if (match) {
          if (canonicalJson(match.endpoints ?? []) === canonicalJson(endpoints) && canonicalJson(match.ports ?? []) === canonicalJson(ports) && canonicalJson(match.metadata.labels ?? {}) === canonicalJson(labels)) continue;
          await client.update(ENDPOINT_SLICES, { ...match, metadata: { ...match.metadata, labels }, endpoints, ports });
        } else {
          await client.create(ENDPOINT_SLICES, {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: { name: generatedName(name), generateName: `${name}-`, namespace, labels, ownerReferences: [controllerRef(service)] },
            addressType: 'IPv4',
            endpoints,
            ports,
          });
        }
      }
      await Promise.all(unused.map(deleteSlice));
    },
  };
}
