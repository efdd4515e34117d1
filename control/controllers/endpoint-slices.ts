// EndpointSlice controller (discovery.k8s.io/v1): the Endpoints data of each
// selector Service as slices labelled kubernetes.io/service-name, one slice
// per distinct port list, owned by the Service. Unlike Endpoints, slices keep
// terminating pods (ready=false, terminating=true). For a Service without a
// selector, the user's Endpoints are mirrored instead, one slice per subset
// (Kubernetes' endpointslicemirroring controller).

import type { Client, EndpointAddress, EndpointSubset, Endpoints, KubeObject, Service } from '../api/index.ts';
import { ENDPOINTS, ENDPOINT_SLICES, SERVICES, isApiError } from '../api/index.ts';
import type { Reconciler } from '../runtime/index.ts';
import { groupByPorts, serviceBackends } from './endpoint-addresses.ts';
import type { ServiceBackend } from './endpoint-addresses.ts';
import { ENDPOINTS_MANAGED_BY, ENDPOINTS_MANAGED_BY_LABEL, selectedPods, selectsPods } from './endpoints.ts';
import { splitKey } from './keys.ts';
import { canonicalJson, generatedName } from './names.ts';
import { controllerRef } from './owner-refs.ts';
import { clientPodLister } from './pod-lister.ts';
import type { PodLister } from './pod-lister.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const SLICE_MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_MANAGED_BY = 'endpointslice-controller.k8s.io';
/** Slices mirrored from the Endpoints of a Service without selector. */
export const SLICE_MIRRORED_BY = 'endpointslicemirroring-controller.k8s.io';

type SlicePort = { name?: string; port: number; protocol?: string; appProtocol?: string };

/** A user's Endpoints (Service without selector) mirrored into one slice per subset. */
function mirrorSubset(subset: EndpointSubset): { ports: SlicePort[]; endpoints: EndpointSlice['endpoints'] } {
  const endpoint = (a: EndpointAddress, ready: boolean): EndpointSlice['endpoints'][number] => ({
    addresses: [a.ip],
    conditions: { ready, serving: ready, terminating: false },
    ...(a.hostname ? { hostname: a.hostname } : {}),
    ...(a.nodeName ? { nodeName: a.nodeName } : {}),
    ...(a.targetRef ? { targetRef: a.targetRef } : {}),
  });
  return {
    ports: (subset.ports ?? []).map((p) => ({ ...p })),
    endpoints: [...(subset.addresses ?? []).map((a) => endpoint(a, true)), ...(subset.notReadyAddresses ?? []).map((a) => endpoint(a, false))],
  };
}

export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: {
    addresses: string[];
    conditions: { ready: boolean; serving: boolean; terminating: boolean };
    hostname?: string;
    nodeName?: string;
    targetRef?: { kind: string; name: string; namespace: string; uid: string };
  }[];
  ports?: SlicePort[];
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

  /** What the slices should hold: from the selected pods, or mirrored from a user's Endpoints. */
  async function desiredGroups(service: Service): Promise<{ managedBy: string; groups: { ports: SlicePort[]; endpoints: EndpointSlice['endpoints'] }[] } | undefined> {
    if (selectsPods(service)) {
      const publishNotReady = service.spec?.publishNotReadyAddresses === true;
      const groups = groupByPorts(serviceBackends(service, await selectedPods(pods, service)));
      return { managedBy: SLICE_MANAGED_BY, groups: groups.map((g) => ({ ports: g.ports.map((p) => ({ ...p })), endpoints: sliceEndpoints(g.backends, publishNotReady) })) };
    }
    const ep = await client.get<Endpoints>(ENDPOINTS, service.metadata.namespace, service.metadata.name);
    if (!ep || ep.metadata.labels?.[ENDPOINTS_MANAGED_BY_LABEL] === ENDPOINTS_MANAGED_BY) return undefined;
    return { managedBy: SLICE_MIRRORED_BY, groups: (ep.subsets ?? []).map(mirrorSubset) };
  }

  return {
    name: 'endpointslice',
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const service = await client.get<Service>(SERVICES, namespace, name);
      const mine = (await client.list<EndpointSlice>(ENDPOINT_SLICES, { namespace, labelSelector: `${SERVICE_NAME_LABEL}=${name}` })).items.filter((sl) =>
        [SLICE_MANAGED_BY, SLICE_MIRRORED_BY].includes(sl.metadata.labels?.[SLICE_MANAGED_BY_LABEL] ?? ''),
      );
      const desired = service && !service.metadata.deletionTimestamp && service.spec?.type !== 'ExternalName' ? await desiredGroups(service) : undefined;
      if (!service || !desired) {
        await Promise.all(mine.map(deleteSlice));
        return;
      }
      // A Service with no backends still gets one (empty) slice, as on Kubernetes.
      const groups = desired.groups.length ? desired.groups : [{ ports: [], endpoints: [] }];
      const labels = { ...(service.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name, [SLICE_MANAGED_BY_LABEL]: desired.managedBy };
      const unused = mine.filter((sl) => sl.metadata.labels?.[SLICE_MANAGED_BY_LABEL] === desired.managedBy);
      const stale = mine.filter((sl) => !unused.includes(sl));
      for (const { ports, endpoints } of groups) {
        const matchIndex = unused.findIndex((sl) => canonicalJson(sl.ports ?? []) === canonicalJson(ports));
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
      await Promise.all([...unused, ...stale].map(deleteSlice));
    },
  };
}
