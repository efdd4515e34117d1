// The table of resource types meshlet serves. One row per kind; every other
// part of the system (store keys, REST paths, discovery, the CLI's `get pods`)
// looks kinds up here rather than spelling paths by hand.

export interface ResourceType {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Lower-case plural used in REST paths and store keys. */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: readonly string[];
  /** Subresources served besides the object itself. */
  subresources: readonly ('status' | 'scale' | 'log' | 'binding')[];
  /** Extra versions of the same group that are served as aliases (Istio v1beta1/v1alpha3). */
  aliasVersions?: readonly string[];
}

function rt(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: readonly string[] = [],
  subresources: ResourceType['subresources'] = [],
  aliasVersions?: readonly string[],
): ResourceType {
  return { group, version, kind, plural, singular: kind.toLowerCase(), namespaced, shortNames, subresources, aliasVersions };
}

const ISTIO_ALIASES = ['v1beta1', 'v1alpha3'] as const;

export const NAMESPACES = rt('', 'v1', 'Namespace', 'namespaces', false, ['ns'], ['status']);
export const PODS = rt('', 'v1', 'Pod', 'pods', true, ['po'], ['status', 'log', 'binding']);
export const SERVICES = rt('', 'v1', 'Service', 'services', true, ['svc'], ['status']);
export const ENDPOINTS = rt('', 'v1', 'Endpoints', 'endpoints', true, ['ep']);
export const SERVICE_ACCOUNTS = rt('', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['sa']);
export const CONFIG_MAPS = rt('', 'v1', 'ConfigMap', 'configmaps', true, ['cm']);
export const SECRETS = rt('', 'v1', 'Secret', 'secrets', true);
export const PERSISTENT_VOLUMES = rt('', 'v1', 'PersistentVolume', 'persistentvolumes', false, ['pv'], ['status']);
export const PERSISTENT_VOLUME_CLAIMS = rt('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, ['pvc'], ['status']);
export const NODES = rt('', 'v1', 'Node', 'nodes', false, ['no'], ['status']);
export const EVENTS = rt('', 'v1', 'Event', 'events', true, ['ev']);
export const ENDPOINT_SLICES = rt('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true);
export const LEASES = rt('coordination.k8s.io', 'v1', 'Lease', 'leases', true);
export const DEPLOYMENTS = rt('apps', 'v1', 'Deployment', 'deployments', true, ['deploy'], ['status', 'scale']);
export const REPLICA_SETS = rt('apps', 'v1', 'ReplicaSet', 'replicasets', true, ['rs'], ['status', 'scale']);
export const JOBS = rt('batch', 'v1', 'Job', 'jobs', true, [], ['status']);
export const INGRESSES = rt('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, ['ing'], ['status']);
export const VIRTUAL_SERVICES = rt('networking.istio.io', 'v1', 'VirtualService', 'virtualservices', true, ['vs'], ['status'], ISTIO_ALIASES);
export const DESTINATION_RULES = rt('networking.istio.io', 'v1', 'DestinationRule', 'destinationrules', true, ['dr'], ['status'], ISTIO_ALIASES);
export const GATEWAYS = rt('networking.istio.io', 'v1', 'Gateway', 'gateways', true, ['gw'], ['status'], ISTIO_ALIASES);
export const SERVICE_ENTRIES = rt('networking.istio.io', 'v1', 'ServiceEntry', 'serviceentries', true, ['se'], ['status'], ISTIO_ALIASES);
export const ENVOY_FILTERS = rt('networking.istio.io', 'v1alpha3', 'EnvoyFilter', 'envoyfilters', true, [], ['status']);
export const AUTHORIZATION_POLICIES = rt('security.istio.io', 'v1', 'AuthorizationPolicy', 'authorizationpolicies', true, ['ap'], ['status'], ['v1beta1']);
export const PEER_AUTHENTICATIONS = rt('security.istio.io', 'v1', 'PeerAuthentication', 'peerauthentications', true, ['pa'], ['status'], ['v1beta1']);
export const REQUEST_AUTHENTICATIONS = rt('security.istio.io', 'v1', 'RequestAuthentication', 'requestauthentications', true, ['ra'], ['status'], ['v1beta1']);
export const RATE_LIMIT_POLICIES = rt('policy.meshlet.dev', 'v1alpha1', 'RateLimitPolicy', 'ratelimitpolicies', true, ['rlp'], ['status']);
export const STORAGE_CLASSES = rt('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, ['sc']);
export const VOLUME_ATTACHMENTS = rt('storage.k8s.io', 'v1', 'VolumeAttachment', 'volumeattachments', false, [], ['status']);

export const RESOURCE_TYPES: readonly ResourceType[] = [
  NAMESPACES, PODS, SERVICES, ENDPOINTS, SERVICE_ACCOUNTS, CONFIG_MAPS, SECRETS, PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, NODES, EVENTS,
  ENDPOINT_SLICES, LEASES, DEPLOYMENTS, REPLICA_SETS, JOBS, INGRESSES,
  VIRTUAL_SERVICES, DESTINATION_RULES, GATEWAYS, SERVICE_ENTRIES, ENVOY_FILTERS,
  AUTHORIZATION_POLICIES, PEER_AUTHENTICATIONS, REQUEST_AUTHENTICATIONS, RATE_LIMIT_POLICIES,
  STORAGE_CLASSES, VOLUME_ATTACHMENTS,
];

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Finds the resource type for an object's apiVersion + kind (alias versions included). */
export function resourceTypeForKind(apiVersion: string, kind: string): ResourceType | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  return RESOURCE_TYPES.find(
    (t) => t.group === group && t.kind === kind && (t.version === version || (t.aliasVersions ?? []).includes(version)),
  );
}

/** Resolves what a user types (`pods`, `po`, `pod`, `Pod`, `virtualservices.networking.istio.io`). */
export function resourceTypeForName(name: string): ResourceType | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  return RESOURCE_TYPES.find(
    (t) =>
      (group === undefined || t.group === group) &&
      (t.plural === base || t.singular === base || t.kind.toLowerCase() === base || t.shortNames.includes(base)),
  );
}
