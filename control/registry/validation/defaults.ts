// Defaulting as the Kubernetes API server does it (pkg/apis/*/v1/defaults.go)
// for the kinds meshlet serves. Works on a copy; the caller's object is untouched.

import type { LimitRangeItem, ObjectInput, ResourceType } from '../../api/index.ts';
import { defaultLimitRangeItem } from '../admission/limit-ranger.ts';
import { defaultHorizontalPodAutoscaler } from './hpa.ts';
import { defaultCustomResourceDefinition } from './custom-resources/definition.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function setDefault(target: Obj, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

function defaultContainer(c: unknown): void {
  if (!isObj(c)) return;
  const image = typeof c['image'] === 'string' ? c['image'] : '';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const untaggedOrLatest = !image.includes('@') && (!lastSegment.includes(':') || lastSegment.endsWith(':latest'));
  setDefault(c, 'imagePullPolicy', untaggedOrLatest ? 'Always' : 'IfNotPresent');
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  if (Array.isArray(c['ports'])) for (const p of c['ports']) if (isObj(p)) setDefault(p, 'protocol', 'TCP');
  for (const probeKey of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    const probe = c[probeKey];
    if (!isObj(probe)) continue;
    setDefault(probe, 'timeoutSeconds', 1);
    setDefault(probe, 'periodSeconds', 10);
    setDefault(probe, 'successThreshold', 1);
    setDefault(probe, 'failureThreshold', 3);
    if (isObj(probe['httpGet'])) {
      setDefault(probe['httpGet'], 'path', '/');
      setDefault(probe['httpGet'], 'scheme', 'HTTP');
    }
  }
}

export function defaultPodSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'enableServiceLinks', true);
  if (spec['serviceAccountName'] === undefined && typeof spec['serviceAccount'] === 'string') spec['serviceAccountName'] = spec['serviceAccount'];
  for (const key of ['containers', 'initContainers']) {
    const list = spec[key];
    if (Array.isArray(list)) list.forEach(defaultContainer);
  }
}

function defaultService(obj: Obj): void {
  const spec = obj['spec'];
  if (!isObj(spec)) return;
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec['type'] !== 'ExternalName') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec['type'] === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (Array.isArray(spec['ports'])) {
    for (const p of spec['ports']) {
      if (!isObj(p)) continue;
      setDefault(p, 'protocol', 'TCP');
      setDefault(p, 'targetPort', p['port']);
    }
  }
}

/** A workload's update strategy: type RollingUpdate unless set, and that type's own defaults. */
function defaultRollingStrategy(spec: Obj, field: 'strategy' | 'updateStrategy', rollingUpdate: Record<string, unknown>): void {
  setDefault(spec, field, {});
  const strategy = spec[field];
  if (!isObj(strategy)) return;
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] !== 'RollingUpdate') return;
  setDefault(strategy, 'rollingUpdate', {});
  const rolling = strategy['rollingUpdate'];
  if (isObj(rolling)) for (const [key, value] of Object.entries(rollingUpdate)) setDefault(rolling, key, value);
}

function defaultDeployment(obj: Obj): void {
  const spec = obj['spec'];
  if (!isObj(spec)) return;
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultRollingStrategy(spec, 'strategy', { maxSurge: '25%', maxUnavailable: '25%' });
  if (isObj(spec['template'])) defaultPodSpec(spec['template']['spec']);
}

function defaultReplicaSet(obj: Obj): void {
  const spec = obj['spec'];
  if (!isObj(spec)) return;
  setDefault(spec, 'replicas', 1);
  if (isObj(spec['template'])) defaultPodSpec(spec['template']['spec']);
}

/** SetDefaults_StatefulSet: OrderedReady, RollingUpdate with partition 0, claims retained, history 10. */
function defaultStatefulSet(obj: Obj): void {
  const spec = obj['spec'];
  if (!isObj(spec)) return;
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultRollingStrategy(spec, 'updateStrategy', { partition: 0 });
  setDefault(spec, 'persistentVolumeClaimRetentionPolicy', {});
  const retention = spec['persistentVolumeClaimRetentionPolicy'];
  if (isObj(retention)) {
    setDefault(retention, 'whenDeleted', 'Retain');
    setDefault(retention, 'whenScaled', 'Retain');
  }
  if (Array.isArray(spec['volumeClaimTemplates'])) {
    for (const claim of spec['volumeClaimTemplates']) {
      if (!isObj(claim)) continue;
      setDefault(claim, 'apiVersion', 'v1');
      setDefault(claim, 'kind', 'PersistentVolumeClaim');
      if (isObj(claim['spec'])) setDefault(claim['spec'], 'volumeMode', 'Filesystem');
    }
  }
  if (isObj(spec['template'])) defaultPodSpec(spec['template']['spec']);
}

function defaultJob(obj: Obj): void {
  const spec = obj['spec'];
  if (!isObj(spec)) return;
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'completions', 1);
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  if (isObj(spec['template'])) defaultPodSpec(spec['template']['spec']);
}

function defaultDaemonSet(obj: Obj): void {
  const spec = obj['spec'];
  if (!isObj(spec)) return;
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultRollingStrategy(spec, 'updateStrategy', { maxUnavailable: 1, maxSurge: 0 });
  if (isObj(spec['template'])) defaultPodSpec(spec['template']['spec']);
}

/** The Job template's own fields stay as written (Kubernetes defaults them in each Job); its pod template is defaulted. */
function defaultCronJob(obj: Obj): void {
  const spec = obj['spec'];
  if (!isObj(spec)) return;
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jobSpec = isObj(spec['jobTemplate']) ? spec['jobTemplate']['spec'] : undefined;
  if (isObj(jobSpec) && isObj(jobSpec['template'])) defaultPodSpec(jobSpec['template']['spec']);
}

function defaultNamespace(obj: Obj): void {
  setDefault(obj, 'spec', {});
  if (isObj(obj['spec'])) setDefault(obj['spec'], 'finalizers', ['kubernetes']);
  setDefault(obj, 'status', {});
  if (isObj(obj['status'])) setDefault(obj['status'], 'phase', 'Active');
}

function defaultSecret(obj: Obj): void {
  setDefault(obj, 'type', 'Opaque');
}

// pkg/apis/core/v1/defaults.go and the PV/PVC strategies: a new volume or claim starts Pending.
function defaultPersistentVolume(obj: Obj): void {
  const spec = obj['spec'];
  if (isObj(spec)) {
    setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
    setDefault(spec, 'volumeMode', 'Filesystem');
  }
  setDefault(obj, 'status', {});
  if (isObj(obj['status'])) setDefault(obj['status'], 'phase', 'Pending');
}

function defaultPersistentVolumeClaim(obj: Obj): void {
  const spec = obj['spec'];
  if (isObj(spec)) setDefault(spec, 'volumeMode', 'Filesystem');
  setDefault(obj, 'status', {});
  if (isObj(obj['status'])) setDefault(obj['status'], 'phase', 'Pending');
}

function defaultStorageClass(obj: Obj): void {
  setDefault(obj, 'reclaimPolicy', 'Delete');
  setDefault(obj, 'volumeBindingMode', 'Immediate');
}

/** SetDefaults_Pod: a container's unset requests default to its limits. */
function defaultPodRequests(spec: unknown): void {
  if (!isObj(spec)) return;
  for (const key of ['containers', 'initContainers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      const resources = isObj(c) ? c['resources'] : undefined;
      if (!isObj(resources) || !isObj(resources['limits'])) continue;
      const requests = isObj(resources['requests']) ? resources['requests'] : {};
      resources['requests'] = { ...resources['limits'], ...requests };
    }
  }
}

function isLimitRangeItem(item: unknown): item is LimitRangeItem {
  return isObj(item) && typeof item['type'] === 'string';
}

function defaultLimitRange(obj: Obj): void {
  const spec = obj['spec'];
  if (!isObj(spec) || !Array.isArray(spec['limits'])) return;
  spec['limits'] = spec['limits'].map((item: unknown) => (isLimitRangeItem(item) ? defaultLimitRangeItem(item) : item));
}

const DEFAULTERS: Record<string, (obj: Obj) => void> = {
  '/Pod': (obj) => {
    defaultPodSpec(obj['spec']);
    defaultPodRequests(obj['spec']);
  },
  '/LimitRange': defaultLimitRange,
  '/Service': defaultService,
  '/Namespace': defaultNamespace,
  '/Secret': defaultSecret,
  '/PersistentVolume': defaultPersistentVolume,
  '/PersistentVolumeClaim': defaultPersistentVolumeClaim,
  'storage.k8s.io/StorageClass': defaultStorageClass,
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/StatefulSet': defaultStatefulSet,
  'batch/Job': defaultJob,
  'apps/DaemonSet': defaultDaemonSet,
  'batch/CronJob': defaultCronJob,
  'autoscaling/HorizontalPodAutoscaler': defaultHorizontalPodAutoscaler,
  'apiextensions.k8s.io/CustomResourceDefinition': defaultCustomResourceDefinition,
};

export function applyDefaults(type: ResourceType, obj: ObjectInput): ObjectInput {
  const copy = structuredClone(obj) as ObjectInput;
  if (!isObj(copy.metadata)) return copy;
  if (type.namespaced && !copy.metadata.namespace) copy.metadata.namespace = 'default';
  DEFAULTERS[`${type.group}/${type.kind}`]?.(copy as Obj);
  return copy;
}
