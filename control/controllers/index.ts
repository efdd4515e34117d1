// control/controllers: the built-in controllers (kube-controller-manager's
// role) as level-triggered reconcilers, and startControllers wiring them.

export type { StartControllersOptions, RunningControllers } from './start-controllers.ts';
export { startControllers } from './start-controllers.ts';
export type { ReplicaSetReconcilerOptions } from './replicaset.ts';
export { createReplicaSetReconciler } from './replicaset.ts';
export type { DeploymentReconcilerOptions } from './deployment.ts';
export {
  createDeploymentReconciler, podTemplateHash, revisionOf,
  POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION,
} from './deployment.ts';
export { createDeploymentProgressReconciler } from './deployment-progress.ts';
export type { RolloutLimits } from './deployment-rollout.ts';
export { rolloutLimits, resolveIntOrPercent, newReplicaSetTarget, oldReplicaSetTargets } from './deployment-rollout.ts';
export { computeDeploymentStatus, REASON_NEW_RS_AVAILABLE, REASON_NEW_RS_CREATED, REASON_RS_UPDATED, REASON_DEADLINE_EXCEEDED } from './deployment-status.ts';
export { createEndpointsReconciler, buildSubsets, selectsPods, ENDPOINTS_MANAGED_BY_LABEL, ENDPOINTS_MANAGED_BY, HEADLESS_LABEL } from './endpoints.ts';
export type { EndpointSlice } from './endpoint-slices.ts';
export { createEndpointSliceReconciler, SERVICE_NAME_LABEL, SLICE_MANAGED_BY_LABEL, SLICE_MANAGED_BY, SLICE_MIRRORED_BY } from './endpoint-slices.ts';
export type { ServiceBackend } from './endpoint-addresses.ts';
export { resolveTargetPort, serviceBackends } from './endpoint-addresses.ts';
export type { GarbageCollectorOptions } from './garbage-collector.ts';
export { createGarbageCollector, gcKey, parseGcKey, GC_TYPES, FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from './garbage-collector.ts';
export type { NamespaceReconcilerOptions } from './namespace.ts';
export { createNamespaceReconciler, NAMESPACE_FINALIZER } from './namespace.ts';
export { createPodGcReconciler } from './pod-gc.ts';
export { createServiceAccountReconciler, DEFAULT_SERVICE_ACCOUNT } from './service-account.ts';
export type { Job, JobSpec, JobStatus, JobCondition, JobReconcilerOptions } from './job.ts';
export { createJobReconciler, isJobFinished, JOB_NAME_LABEL, CONTROLLER_UID_LABEL } from './job.ts';
export { createTtlAfterFinishedReconciler, jobFinishedAt, needsTtlCleanup } from './ttl-after-finished.ts';
export { controllerRef, controllerOf, isControlledBy } from './owner-refs.ts';
export { isPodReady, isPodActive, isPodTerminal } from './pod-state.ts';
export type { ServiceControllersOptions, RunningServiceControllers } from './service-controllers.ts';
export { startServiceControllers } from './service-controllers.ts';
export type { LoadBalancerReconcilerOptions } from './load-balancer.ts';
export { createLoadBalancerReconciler, POOL_FULL_RETRY_MS } from './load-balancer.ts';
export type { KubernetesServiceOptions } from './kubernetes-service.ts';
export {
  createKubernetesServiceReconciler, KUBERNETES_SERVICE_NAME, KUBERNETES_SERVICE_KEY, KUBERNETES_SERVICE_RESYNC_MS,
} from './kubernetes-service.ts';
export type { NodeLifecycleOptions } from './node-lifecycle.ts';
export {
  createNodeLifecycleReconciler, nodeLeaseRenewMs, DEFAULT_NODE_MONITOR_GRACE_MS, REASON_NODE_STATUS_UNKNOWN, REASON_NODE_STATUS_NEVER_UPDATED,
} from './node-lifecycle.ts';
export type { TaintEvictionOptions } from './taint-eviction.ts';
export { createTaintEvictionReconciler, evictionTimeMs } from './taint-eviction.ts';
export type { StorageControllersOptions } from './persistent-volume-controllers.ts';
export { createStorageControllers } from './persistent-volume-controllers.ts';
export type { ClaimBinderOptions } from './persistent-volume-claims.ts';
export {
  createPersistentVolumeClaimBinder, PV_CONTROLLER_COMPONENT, NO_PROVISIONER, MSG_WAIT_FOR_FIRST_CONSUMER, MSG_NO_VOLUME_NO_CLASS, MSG_CLAIM_LOST,
  MSG_CLAIM_MISBOUND, externalProvisioningMessage,
} from './persistent-volume-claims.ts';
export type { VolumeReconcilerOptions } from './persistent-volume.ts';
export { createPersistentVolumeReconciler, noDeleterMessage, MSG_NO_RECYCLER } from './persistent-volume.ts';
export type { AttachDetachOptions } from './persistent-volume-attach.ts';
export {
  createAttachDetachReconciler, volumeAttachmentName, isMultiAttachAllowed, multiAttachMessage, podUsesClaim, MESHLET_ATTACHER, ATTACH_DETACH_COMPONENT,
} from './persistent-volume-attach.ts';
export { createPvcProtectionReconciler, createPvProtectionReconciler } from './persistent-volume-protection.ts';
export type { LocalPathProvisionerOptions, LocalPathProvisioner } from './local-path-provisioner.ts';
export {
  createLocalPathProvisioner, provisionedVolumeName, localPathDirectory, isInside, MSG_NO_NODE, HOSTNAME_LABEL, ANN_LOCAL_PATH_NODE,
} from './local-path-provisioner.ts';
export { ensureDefaultStorageClass, DEFAULT_STORAGE_CLASS } from './default-storage-class.ts';
export type { CronJobReconcilerOptions } from './cronjob.ts';
export { createCronJobReconciler } from './cronjob.ts';
export { jobNameFor, SCHEDULED_TIMESTAMP_ANNOTATION } from './cronjob-jobs.ts';
export type { CronSchedule } from './cron-schedule.ts';
export { parseCronSchedule, cronScheduleProblem, isKnownTimeZone, CronScheduleError } from './cron-schedule.ts';
export type { DaemonSetReconcilerOptions } from './daemonset.ts';
export { createDaemonSetReconciler } from './daemonset.ts';
export { POD_TEMPLATE_GENERATION_LABEL } from './daemonset-history.ts';
export { nodeShouldRunDaemonPod, targetNodeOf } from './daemonset-placement.ts';
export { createDisruptionReconciler, DISRUPTED_POD_TIMEOUT_MS } from './disruption.ts';
export { createResourceQuotaReconciler, watchResourceQuotas, typeCounted, QUOTA_RESYNC_MS } from './resource-quota.ts';
export type { StatefulSetReconcilerOptions } from './statefulset.ts';
export { createStatefulSetReconciler } from './statefulset.ts';
export { POD_NAME_LABEL, POD_INDEX_LABEL, claimName, podName, ordinalOf } from './statefulset-pods.ts';
export { CONTROLLER_REVISION_HASH_LABEL, templateOfRevision, revisionHash } from './controller-revision.ts';
