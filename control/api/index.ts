// control/api: object types, resource table, store keys, errors and the
// Store / Client contracts. Imports nothing else in the repository.

export type { Labels, OwnerReference, ObjectMetaInput, ObjectMeta, KubeObject, ObjectInput, ListMeta, ObjectList, WatchEventType, WatchEvent } from './objects.ts';
export { objectKeyOf } from './objects.ts';
// Every kind token (PODS, SERVICES, …), RESOURCE_TYPES and the lookups.
export * from './resources.ts';
export { REGISTRY_ROOT, typePrefix, namespacePrefix, objectKey } from './keys.ts';
export type { StatusReason, StatusCause, StatusDetails } from './errors.ts';
export { MeshletError, ApiError, isApiError, notFound, invalid } from './errors.ts';
export type { KeyValue, StoreEvent, RangeOptions, RangeResult, WriteOptions, StoreWatch, WatchOptions as StoreWatchOptions, StoreErrorKind, Lease, Store } from './store.ts';
export { StoreError, isStoreError } from './store.ts';
export type { ListOptions, WatchOptions, DeleteOptions, PatchType, Watcher, Client } from './client.ts';
export type { Timer, Clock } from './clock.ts';
export { systemClock, ManualClock } from './clock.ts';
export type {
  LabelSelector, EnvVar, ContainerPort, Probe, LifecycleHandler, Lifecycle, Container, PodSpec, PodCondition, ContainerState, ContainerStatus, PodStatus, Pod,
  ServicePort, ServiceSpec, ServiceStatus, Service, EndpointAddress, EndpointPort, EndpointSubset, Endpoints, NodeStatus, NodeSpec, Node,
  NodeCondition, Taint, Toleration, LeaseSpec, CoordinationLease,
  PodTemplateSpec, DeploymentSpec, DeploymentStatus, Deployment, ReplicaSetSpec, ReplicaSetStatus, ReplicaSet, ConfigMap, Secret, Namespace, ServiceAccount, CoreEvent,
} from './kinds.ts';
export type {
  ClaimVolume, PodSpecWithVolumes, VolumeClaimTemplate, ClaimRetention, StatefulSetSpec, StatefulSetStatus, StatefulSet, ControllerRevision,
} from './apps.ts';
export type {
  KeyToPath, ConfigMapVolumeSource, SecretVolumeSource, DownwardAPIVolumeFile, DownwardAPIVolumeSource, ServiceAccountTokenProjection,
  VolumeProjection, ProjectedVolumeSource, HostPathType, Volume, VolumeMount,
} from './volumes.ts';
export type { Requirement } from './labels.ts';
export { parseLabelSelector, matchesRequirements, matchesSelector, matchesLabels, selectorToString } from './labels.ts';
export { stableStringify } from './stable-json.ts';
export type { YamlDocument } from './yaml.ts';
export { YamlError, parseYamlDocuments, parseYaml, stringifyYaml, fieldPathSegments } from './yaml.ts';
export type {
  StringMatch, HTTPMatchRequest, HTTPRoute, HTTPRouteDestination, HTTPRetry, HTTPFaultInjection, TCPRoute, VirtualServiceSpec,
  TrafficPolicy, Subset, DestinationRuleSpec, GatewayServer, GatewaySpec, ServiceEntrySpec, IngressSpec,
  VirtualService, DestinationRule, Gateway, ServiceEntry, Ingress,
} from './istio.ts';
export type {
  RateLimitUnit, RateLimitMode, RateLimitAlgorithm, RateLimitTarget, RateLimitMatch, RateLimitDescriptor, RateLimitLimit, RateLimitRule,
  RateLimitPolicySpec, RateLimitPolicy,
} from './ratelimit-policy.ts';
export { validateRateLimitPolicy } from './ratelimit-policy.ts';
export type { DaemonSetUpdateStrategy, DaemonSetSpec, DaemonSetCondition, DaemonSetStatus, DaemonSet } from './daemonset.ts';
export { TEMPLATE_GENERATION_ANNOTATION } from './daemonset.ts';
export type { ConcurrencyPolicy, JobTemplateSpec, CronJobSpec, CronJobStatus, CronJob } from './cronjob.ts';
export { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, NODE_LEASE_NAMESPACE, DEFAULT_TOLERATION_SECONDS } from './node-taints.ts';
export type { PreemptionPolicy, PriorityClassFields, PriorityClass, PriorityClassInput, PodPriorityFields, PrioritizedPodSpec, SchedulingPodStatus } from './scheduling.ts';
export {
  DEFAULT_POD_PRIORITY, HIGHEST_USER_DEFINABLE_PRIORITY, SYSTEM_CLUSTER_CRITICAL, SYSTEM_NODE_CRITICAL, SYSTEM_PRIORITY_CLASSES,
  podPriority, podPreemptionPolicy, nominatedNodeName,
} from './scheduling.ts';
export type {
  PersistentVolumeAccessMode, PersistentVolumeReclaimPolicy, VolumeBindingMode, PersistentVolumePhase, PersistentVolumeClaimPhase, ObjectReference,
  VolumeNodeSelectorRequirement, VolumeNodeAffinity, PersistentVolumeSpec, PersistentVolumeStatus, PersistentVolume, PersistentVolumeClaimSpec,
  PersistentVolumeClaimStatus, PersistentVolumeClaim, StorageClass, VolumeAttachmentSpec, VolumeAttachment, PodVolume,
} from './storage.ts';
export {
  ANN_DEFAULT_STORAGE_CLASS, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER,
  ANN_BETA_STORAGE_PROVISIONER, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, LOCAL_PATH_PROVISIONER, DEFAULT_STORAGE_CLASS_NAME,
  storageBytes, podClaimNames,
} from './storage.ts';
export {
  claimRequestBytes, volumeCapacityBytes, isPreBoundTo, volumeFitsNode, nodeOf, volumeSatisfiesClaim, findBestMatch, pickDefaultStorageClass,
} from './storage-match.ts';
export type {
  IPBlock, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyIngressRule, NetworkPolicyEgressRule, NetworkPolicySpec, NetworkPolicy,
  PolicyEndpoint, PolicyConnection, PolicyInputs, NetworkPolicyVerdict,
} from './network-policy.ts';
export { policyTypesOf, cidrContains, selectingPolicies, egressVerdict, ingressVerdict, networkPolicyVerdict, podPolicyEndpoint, NetworkPolicyIndex } from './network-policy.ts';
export type { IntOrPercent, PodDisruptionBudgetSpec, PdbCondition, PodDisruptionBudgetStatus, PodDisruptionBudget, Eviction } from './policy.ts';
export { DISRUPTION_ALLOWED_CONDITION, SUFFICIENT_PODS_REASON, INSUFFICIENT_PODS_REASON, SYNC_FAILED_REASON, pdbSelectsPod, scaledValue } from './policy.ts';
export type { ResourceList, ScopedResourceSelectorRequirement, ResourceQuotaSpec, ResourceQuotaStatus, ResourceQuota, LimitType, LimitRangeItem, LimitRangeSpec, LimitRange } from './quota.ts';
export { LIMIT_RANGER_ANNOTATION } from './quota.ts';
export type { IngressClassSpec, IngressClass } from './networking.ts';
export { DEFAULT_INGRESS_CLASS_ANNOTATION, MESHLET_INGRESS_CLASS, MESHLET_INGRESS_CONTROLLER, LEGACY_INGRESS_CLASS_ANNOTATION } from './networking.ts';
export type {
  CrossVersionObjectReference, MetricTargetType, MetricTarget, MetricIdentifier, ResourceMetricSource, ContainerResourceMetricSource, PodsMetricSource,
  ObjectMetricSource, MetricSpec, HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscalerBehavior, HorizontalPodAutoscalerSpec, MetricValueStatus,
  MetricStatus, HorizontalPodAutoscalerCondition, HorizontalPodAutoscalerStatus, HorizontalPodAutoscaler,
} from './autoscaling.ts';
export type {
  ContainerMetrics, MetricsMeta, PodMetrics, NodeMetrics, CustomMetricValue, PodUsageSample, ResourceMetricsSource, MeshRateSource,
} from './metrics-api.ts';
export type {
  JSONSchemaProps, CustomResourceColumnDefinition, CustomResourceSubresourceScale, CustomResourceDefinitionVersion, CustomResourceDefinitionNames,
  CustomResourceDefinitionSpec, CustomResourceDefinitionCondition, CustomResourceDefinitionStatus, CustomResourceDefinition,
} from './apiextensions.ts';
export { CRD_CLEANUP_FINALIZER } from './apiextensions.ts';
export type { CustomKind } from './kind-catalog.ts';
export { KindCatalog, resourceTypeOfDefinition } from './kind-catalog.ts';
