// The table of resource types meshlet serves. One row per kind; every other
// part of the system (store keys, REST paths, discovery, the CLI's `get pods`)
// looks kinds up here rather than spelling paths by hand.
//
// A row is a typed token: `PODS` is a `ResourceType<Pod>`, so
// `client.get(PODS, ns, name)` is a `Promise<Pod | undefined>`, an informer of
// PODS caches Pods, and a cluster view of PODS lists Pods, with no casts at the
// call sites. Adding a kind is one row here plus its own logic.

import type { ConfigMap, CoordinationLease, CoreEvent, Deployment, Endpoints, Namespace, Node, Pod, ReplicaSet, Secret, Service, ServiceAccount } from './kinds.ts';
import type { AuthorizationPolicy, DestinationRule, Gateway, Ingress, ServiceEntry, VirtualService } from './istio.ts';
import type { NetworkPolicy } from './network-policy.ts';
import type { KubeObject } from './objects.ts';
import type { ControllerRevision, StatefulSet } from './apps.ts';
import type { RateLimitPolicy } from './ratelimit-policy.ts';
import type { StorageClass, VolumeAttachment } from './storage.ts';
import type { DaemonSet } from './daemonset.ts';
import type { CronJob } from './cronjob.ts';
import type { PriorityClass } from './scheduling.ts';
import type { PodDisruptionBudget } from './policy.ts';
import type { LimitRange, ResourceQuota } from './quota.ts';
import type { IngressClass } from './networking.ts';
import type { HorizontalPodAutoscaler } from './autoscaling.ts';
import type { CustomResourceDefinition } from './apiextensions.ts';

export type Subresource = 'status' | 'scale' | 'log' | 'binding' | 'eviction';

export interface ResourceType<T extends KubeObject = KubeObject> {
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
  subresources: readonly Subresource[];
  /** Extra versions of the same group that are served as aliases (Istio v1beta1/v1alpha3). */
  aliasVersions?: readonly string[];
  /**
   * Carries the object type T; never set or called. A method, so its
   * parameter is bivariant: an untyped token (`ResourceType`) still accepts an
   * explicit `client.get<Pod>(type, …)`, while a typed one infers T.
   */
  objectType?(object: T): void;
}

/** The object type a token carries: `ObjectOf<typeof PODS>` is `Pod`. */
export type ObjectOf<R> = R extends ResourceType<infer T> ? T : never;

const registered: ResourceType[] = [];

/** Declares a kind: its row is also added to RESOURCE_TYPES, in declaration order. */
function rt<T extends KubeObject = KubeObject>(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: readonly string[] = [],
  subresources: readonly Subresource[] = [],
  aliasVersions?: readonly string[],
): ResourceType<T> {
  const type: ResourceType<T> = { group, version, kind, plural, singular: kind.toLowerCase(), namespaced, shortNames, subresources, aliasVersions };
  registered.push(type);
  return type;
}

const ISTIO_ALIASES = ['v1beta1', 'v1alpha3'] as const;

export const NAMESPACES = rt<Namespace>('', 'v1', 'Namespace', 'namespaces', false, ['ns'], ['status']);
export const PODS = rt<Pod>('', 'v1', 'Pod', 'pods', true, ['po'], ['status', 'log', 'binding', 'eviction']);
export const SERVICES = rt<Service>('', 'v1', 'Service', 'services', true, ['svc'], ['status']);
export const ENDPOINTS = rt<Endpoints>('', 'v1', 'Endpoints', 'endpoints', true, ['ep']);
export const SERVICE_ACCOUNTS = rt<ServiceAccount>('', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['sa']);
export const CONFIG_MAPS = rt<ConfigMap>('', 'v1', 'ConfigMap', 'configmaps', true, ['cm']);
export const SECRETS = rt<Secret>('', 'v1', 'Secret', 'secrets', true);
export const PERSISTENT_VOLUMES = rt('', 'v1', 'PersistentVolume', 'persistentvolumes', false, ['pv'], ['status']);
export const PERSISTENT_VOLUME_CLAIMS = rt('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, ['pvc'], ['status']);
export const NODES = rt<Node>('', 'v1', 'Node', 'nodes', false, ['no'], ['status']);
export const EVENTS = rt<CoreEvent>('', 'v1', 'Event', 'events', true, ['ev']);
export const ENDPOINT_SLICES = rt('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true);
export const LEASES = rt<CoordinationLease>('coordination.k8s.io', 'v1', 'Lease', 'leases', true);
export const DAEMON_SETS = rt<DaemonSet>('apps', 'v1', 'DaemonSet', 'daemonsets', true, ['ds'], ['status']);
export const DEPLOYMENTS = rt<Deployment>('apps', 'v1', 'Deployment', 'deployments', true, ['deploy'], ['status', 'scale']);
export const REPLICA_SETS = rt<ReplicaSet>('apps', 'v1', 'ReplicaSet', 'replicasets', true, ['rs'], ['status', 'scale']);
export const CONTROLLER_REVISIONS = rt<ControllerRevision>('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true);
export const STATEFUL_SETS = rt<StatefulSet>('apps', 'v1', 'StatefulSet', 'statefulsets', true, ['sts'], ['status', 'scale']);
export const JOBS = rt('batch', 'v1', 'Job', 'jobs', true, [], ['status']);
export const CRON_JOBS = rt<CronJob>('batch', 'v1', 'CronJob', 'cronjobs', true, ['cj'], ['status']);
export const NETWORK_POLICIES = rt<NetworkPolicy>('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, ['netpol']);
export const HORIZONTAL_POD_AUTOSCALERS = rt<HorizontalPodAutoscaler>('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, ['hpa'], ['status'], ['v1']);
export const INGRESSES = rt<Ingress>('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, ['ing'], ['status']);
export const VIRTUAL_SERVICES = rt<VirtualService>('networking.istio.io', 'v1', 'VirtualService', 'virtualservices', true, ['vs'], ['status'], ISTIO_ALIASES);
export const DESTINATION_RULES = rt<DestinationRule>('networking.istio.io', 'v1', 'DestinationRule', 'destinationrules', true, ['dr'], ['status'], ISTIO_ALIASES);
export const GATEWAYS = rt<Gateway>('networking.istio.io', 'v1', 'Gateway', 'gateways', true, ['gw'], ['status'], ISTIO_ALIASES);
export const SERVICE_ENTRIES = rt<ServiceEntry>('networking.istio.io', 'v1', 'ServiceEntry', 'serviceentries', true, ['se'], ['status'], ISTIO_ALIASES);
export const ENVOY_FILTERS = rt('networking.istio.io', 'v1alpha3', 'EnvoyFilter', 'envoyfilters', true, [], ['status']);
export const AUTHORIZATION_POLICIES = rt<AuthorizationPolicy>('security.istio.io', 'v1', 'AuthorizationPolicy', 'authorizationpolicies', true, ['ap'], ['status'], ['v1beta1']);
export const PEER_AUTHENTICATIONS = rt('security.istio.io', 'v1', 'PeerAuthentication', 'peerauthentications', true, ['pa'], ['status'], ['v1beta1']);
export const REQUEST_AUTHENTICATIONS = rt('security.istio.io', 'v1', 'RequestAuthentication', 'requestauthentications', true, ['ra'], ['status'], ['v1beta1']);
export const RATE_LIMIT_POLICIES = rt<RateLimitPolicy>('policy.meshlet.dev', 'v1alpha1', 'RateLimitPolicy', 'ratelimitpolicies', true, ['rlp'], ['status']);
export const STORAGE_CLASSES = rt<StorageClass>('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, ['sc']);
export const VOLUME_ATTACHMENTS = rt<VolumeAttachment>('storage.k8s.io', 'v1', 'VolumeAttachment', 'volumeattachments', false, [], ['status']);
export const PRIORITY_CLASSES = rt<PriorityClass>('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, ['pc']);
export const POD_DISRUPTION_BUDGETS = rt<PodDisruptionBudget>('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, ['pdb'], ['status']);
export const RESOURCE_QUOTAS = rt<ResourceQuota>('', 'v1', 'ResourceQuota', 'resourcequotas', true, ['quota'], ['status']);
export const LIMIT_RANGES = rt<LimitRange>('', 'v1', 'LimitRange', 'limitranges', true, ['limits']);
export const INGRESS_CLASSES = rt<IngressClass>('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false);
export const CUSTOM_RESOURCE_DEFINITIONS = rt<CustomResourceDefinition>('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, ['crd', 'crds'], ['status']);

/** Every declared kind, built-in order (discovery and `kubectl api-resources` list them so). */
export const RESOURCE_TYPES: readonly ResourceType[] = registered;

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The subresources a type serves, as a set test that accepts any string (a request path segment). */
export function hasSubresource(type: ResourceType, name: string): name is Subresource {
  return (type.subresources as readonly string[]).includes(name);
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
