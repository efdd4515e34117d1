// Field numbers of the Kubernetes protobuf messages that kubectl's typed
// clients send (`kubectl create namespace|configmap|secret|serviceaccount|
// deployment|job|service|ingress|quota|poddisruptionbudget`, drain's Eviction, `kubectl autoscale`), from k8s.io/api and apimachinery generated.proto.
// A field not listed here makes the decoder refuse the body (415) rather than
// silently drop data.

export type Scalar = 'string' | 'int32' | 'int64' | 'bool' | 'bytes' | 'time' | 'intOrString' | 'quantity' | 'fieldsV1';

export interface FieldDef {
  name: string;
  type: Scalar | { message: string } | { map: Scalar };
  repeated?: boolean;
  /** A pointer field in Go: its zero value is meaningful and kept (replicas: 0). */
  keepZero?: boolean;
  /** An embedded Go struct whose members JSON inlines into the parent (IngressRule's IngressRuleValue). */
  inline?: boolean;
}

type Fields = Record<number, FieldDef>;

const f = (name: string, type: FieldDef['type'], extra: Partial<FieldDef> = {}): FieldDef => ({ name, type, ...extra });
const msg = (message: string) => ({ message });
const list = (name: string, type: FieldDef['type']) => f(name, type, { repeated: true });
const ptr = (name: string, type: FieldDef['type']) => f(name, type, { keepZero: true });

export const MESSAGES: Record<string, Fields> = {
  Unknown: { 1: f('typeMeta', msg('TypeMeta')), 2: f('raw', 'bytes'), 3: f('contentEncoding', 'string'), 4: f('contentType', 'string') },
  TypeMeta: { 1: f('apiVersion', 'string'), 2: f('kind', 'string') },
  ObjectMeta: {
    1: f('name', 'string'),
    2: f('generateName', 'string'),
    3: f('namespace', 'string'),
    4: f('selfLink', 'string'),
    5: f('uid', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('generation', 'int64'),
    8: f('creationTimestamp', 'time'),
    9: f('deletionTimestamp', 'time'),
    10: ptr('deletionGracePeriodSeconds', 'int64'),
    11: f('labels', { map: 'string' }),
    12: f('annotations', { map: 'string' }),
    13: list('ownerReferences', msg('OwnerReference')),
    14: list('finalizers', 'string'),
    17: list('managedFields', msg('ManagedFieldsEntry')),
  },
  OwnerReference: { 1: f('kind', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string'), 6: ptr('controller', 'bool'), 7: ptr('blockOwnerDeletion', 'bool') },
  ManagedFieldsEntry: { 1: f('manager', 'string'), 2: f('operation', 'string'), 3: f('apiVersion', 'string'), 4: f('time', 'time'), 6: f('fieldsType', 'string'), 7: f('fieldsV1', 'fieldsV1'), 8: f('subresource', 'string') },
  LabelSelector: { 1: f('matchLabels', { map: 'string' }), 2: list('matchExpressions', msg('LabelSelectorRequirement')) },
  LabelSelectorRequirement: { 1: f('key', 'string'), 2: f('operator', 'string'), 3: list('values', 'string') },

  Namespace: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('NamespaceSpec')), 3: f('status', msg('NamespaceStatus')) },
  NamespaceSpec: { 1: list('finalizers', 'string') },
  NamespaceStatus: { 1: f('phase', 'string') },
  ConfigMap: { 1: f('metadata', msg('ObjectMeta')), 2: f('data', { map: 'string' }), 3: f('binaryData', { map: 'bytes' }), 4: ptr('immutable', 'bool') },
  Secret: { 1: f('metadata', msg('ObjectMeta')), 2: f('data', { map: 'bytes' }), 3: f('type', 'string'), 4: f('stringData', { map: 'string' }), 5: ptr('immutable', 'bool') },
  ServiceAccount: { 1: f('metadata', msg('ObjectMeta')), 2: list('secrets', msg('ObjectReference')), 3: list('imagePullSecrets', msg('LocalObjectReference')), 4: ptr('automountServiceAccountToken', 'bool') },
  ObjectReference: { 1: f('kind', 'string'), 2: f('namespace', 'string'), 3: f('name', 'string'), 4: f('uid', 'string'), 5: f('apiVersion', 'string'), 6: f('resourceVersion', 'string'), 7: f('fieldPath', 'string') },
  LocalObjectReference: { 1: f('name', 'string') },

  Service: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('ServiceSpec')), 3: f('status', msg('ServiceStatus')) },
  ServiceSpec: {
    1: list('ports', msg('ServicePort')),
    2: f('selector', { map: 'string' }),
    3: f('clusterIP', 'string'),
    4: f('type', 'string'),
    5: list('externalIPs', 'string'),
    7: f('sessionAffinity', 'string'),
    8: f('loadBalancerIP', 'string'),
    9: list('loadBalancerSourceRanges', 'string'),
    10: f('externalName', 'string'),
    11: f('externalTrafficPolicy', 'string'),
    12: f('healthCheckNodePort', 'int32'),
    13: f('publishNotReadyAddresses', 'bool'),
    17: f('ipFamilyPolicy', 'string'),
    18: list('clusterIPs', 'string'),
    19: list('ipFamilies', 'string'),
    20: ptr('allocateLoadBalancerNodePorts', 'bool'),
    21: f('loadBalancerClass', 'string'),
    22: f('internalTrafficPolicy', 'string'),
  },
  ServicePort: { 1: f('name', 'string'), 2: f('protocol', 'string'), 3: f('port', 'int32'), 4: f('targetPort', 'intOrString'), 5: f('nodePort', 'int32'), 6: f('appProtocol', 'string') },
  ServiceStatus: { 1: f('loadBalancer', msg('LoadBalancerStatus')) },
  LoadBalancerStatus: {},

  PodTemplateSpec: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('PodSpec')) },
  PodSpec: {
    2: list('containers', msg('Container')),
    3: f('restartPolicy', 'string'),
    4: ptr('terminationGracePeriodSeconds', 'int64'),
    5: ptr('activeDeadlineSeconds', 'int64'),
    6: f('dnsPolicy', 'string'),
    7: f('nodeSelector', { map: 'string' }),
    8: f('serviceAccountName', 'string'),
    9: f('serviceAccount', 'string'),
    10: f('nodeName', 'string'),
    11: f('hostNetwork', 'bool'),
    12: f('hostPID', 'bool'),
    13: f('hostIPC', 'bool'),
    // `kubectl create job --from=cronjob/x` sends the CronJob's defaulted template, whose securityContext is {}.
    14: f('securityContext', msg('PodSecurityContext')),
    15: list('imagePullSecrets', msg('LocalObjectReference')),
    16: f('hostname', 'string'),
    17: f('subdomain', 'string'),
    19: f('schedulerName', 'string'),
    20: list('initContainers', msg('Container')),
    21: ptr('automountServiceAccountToken', 'bool'),
    24: f('priorityClassName', 'string'),
    30: ptr('enableServiceLinks', 'bool'),
  },
  Container: {
    1: f('name', 'string'),
    2: f('image', 'string'),
    3: list('command', 'string'),
    4: list('args', 'string'),
    5: f('workingDir', 'string'),
    6: list('ports', msg('ContainerPort')),
    7: list('env', msg('EnvVar')),
    8: f('resources', msg('ResourceRequirements')),
    13: f('terminationMessagePath', 'string'),
    14: f('imagePullPolicy', 'string'),
    16: f('stdin', 'bool'),
    17: f('stdinOnce', 'bool'),
    18: f('tty', 'bool'),
    20: f('terminationMessagePolicy', 'string'),
  },
  ContainerPort: { 1: f('name', 'string'), 2: f('hostPort', 'int32'), 3: f('containerPort', 'int32'), 4: f('protocol', 'string'), 5: f('hostIP', 'string') },
  EnvVar: { 1: f('name', 'string'), 2: f('value', 'string') },
  PodSecurityContext: {},
  ResourceRequirements: { 1: f('limits', { map: 'quantity' }), 2: f('requests', { map: 'quantity' }) },

  Deployment: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('DeploymentSpec')), 3: f('status', msg('DeploymentStatus')) },
  DeploymentSpec: {
    1: ptr('replicas', 'int32'),
    2: f('selector', msg('LabelSelector')),
    3: f('template', msg('PodTemplateSpec')),
    4: f('strategy', msg('DeploymentStrategy')),
    5: f('minReadySeconds', 'int32'),
    6: ptr('revisionHistoryLimit', 'int32'),
    7: f('paused', 'bool'),
    9: ptr('progressDeadlineSeconds', 'int32'),
  },
  DeploymentStrategy: { 1: f('type', 'string'), 2: f('rollingUpdate', msg('RollingUpdateDeployment')) },
  RollingUpdateDeployment: { 1: f('maxUnavailable', 'intOrString'), 2: f('maxSurge', 'intOrString') },
  DeploymentStatus: {
    1: f('observedGeneration', 'int64'),
    2: f('replicas', 'int32'),
    3: f('updatedReplicas', 'int32'),
    4: f('availableReplicas', 'int32'),
    5: f('unavailableReplicas', 'int32'),
    7: f('readyReplicas', 'int32'),
    8: ptr('collisionCount', 'int32'),
  },

  Job: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('JobSpec')), 3: f('status', msg('JobStatus')) },
  JobSpec: {
    1: ptr('parallelism', 'int32'),
    2: ptr('completions', 'int32'),
    3: ptr('activeDeadlineSeconds', 'int64'),
    4: f('selector', msg('LabelSelector')),
    5: ptr('manualSelector', 'bool'),
    6: f('template', msg('PodTemplateSpec')),
    7: ptr('backoffLimit', 'int32'),
    8: ptr('ttlSecondsAfterFinished', 'int32'),
    9: f('completionMode', 'string'),
    10: ptr('suspend', 'bool'),
  },
  Ingress: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('IngressSpec')), 3: f('status', msg('IngressStatus')) },
  IngressSpec: { 1: f('defaultBackend', msg('IngressBackend')), 2: list('tls', msg('IngressTLS')), 3: list('rules', msg('IngressRule')), 4: f('ingressClassName', 'string') },
  IngressBackend: { 3: f('resource', msg('TypedLocalObjectReference')), 4: f('service', msg('IngressServiceBackend')) },
  TypedLocalObjectReference: { 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string') },
  IngressServiceBackend: { 1: f('name', 'string'), 2: f('port', msg('ServiceBackendPort')) },
  ServiceBackendPort: { 1: f('name', 'string'), 2: f('number', 'int32') },
  IngressTLS: { 1: list('hosts', 'string'), 2: f('secretName', 'string') },
  IngressRule: { 1: f('host', 'string'), 2: f('ingressRuleValue', msg('IngressRuleValue'), { inline: true }) },
  IngressRuleValue: { 1: f('http', msg('HTTPIngressRuleValue')) },
  HTTPIngressRuleValue: { 1: list('paths', msg('HTTPIngressPath')) },
  HTTPIngressPath: { 1: f('path', 'string'), 2: f('backend', msg('IngressBackend')), 3: f('pathType', 'string') },
  IngressStatus: { 1: f('loadBalancer', msg('IngressLoadBalancerStatus')) },
  IngressLoadBalancerStatus: {},

  ResourceQuota: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('ResourceQuotaSpec')), 3: f('status', msg('ResourceQuotaStatus')) },
  ResourceQuotaSpec: { 1: f('hard', { map: 'quantity' }), 2: list('scopes', 'string'), 3: f('scopeSelector', msg('ScopeSelector')) },
  ScopeSelector: { 1: list('matchExpressions', msg('ScopedResourceSelectorRequirement')) },
  ScopedResourceSelectorRequirement: { 1: f('scopeName', 'string'), 2: f('operator', 'string'), 3: list('values', 'string') },
  ResourceQuotaStatus: { 1: f('hard', { map: 'quantity' }), 2: f('used', { map: 'quantity' }) },
  PodDisruptionBudget: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('PodDisruptionBudgetSpec')), 3: f('status', msg('PodDisruptionBudgetStatus')) },
  PodDisruptionBudgetSpec: { 1: f('minAvailable', 'intOrString'), 2: f('selector', msg('LabelSelector')), 3: f('maxUnavailable', 'intOrString'), 4: f('unhealthyPodEvictionPolicy', 'string') },
  PodDisruptionBudgetStatus: {
    // Plain Go ints, always in the JSON form, and required by the schema: zeros are kept.
    1: f('observedGeneration', 'int64'), 2: f('disruptedPods', { map: 'time' }), 3: ptr('disruptionsAllowed', 'int32'), 4: ptr('currentHealthy', 'int32'),
    5: ptr('desiredHealthy', 'int32'), 6: ptr('expectedPods', 'int32'), 7: list('conditions', msg('Condition')),
  },
  Condition: { 1: f('type', 'string'), 2: f('status', 'string'), 3: f('observedGeneration', 'int64'), 4: f('lastTransitionTime', 'time'), 5: f('reason', 'string'), 6: f('message', 'string') },
  Eviction: { 1: f('metadata', msg('ObjectMeta')), 2: f('deleteOptions', msg('DeleteOptions')) },
  DeleteOptions: { 1: ptr('gracePeriodSeconds', 'int64'), 2: f('preconditions', msg('Preconditions')), 3: ptr('orphanDependents', 'bool'), 4: f('propagationPolicy', 'string'), 5: list('dryRun', 'string') },
  Preconditions: { 1: f('uid', 'string'), 2: f('resourceVersion', 'string') },
  JobStatus: {
    2: f('startTime', 'time'),
    3: f('completionTime', 'time'),
    4: f('active', 'int32'),
    5: f('succeeded', 'int32'),
    6: f('failed', 'int32'),
    7: f('completedIndexes', 'string'),
    9: ptr('ready', 'int32'),
    10: ptr('failedIndexes', 'string'),
    11: ptr('terminating', 'int32'),
  },

  // autoscaling/v1, what `kubectl autoscale` 1.32 sends.
  HorizontalPodAutoscalerV1: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('HorizontalPodAutoscalerSpecV1')), 3: f('status', msg('HorizontalPodAutoscalerStatusV1')) },
  HorizontalPodAutoscalerSpecV1: { 1: f('scaleTargetRef', msg('CrossVersionObjectReference')), 2: ptr('minReplicas', 'int32'), 3: f('maxReplicas', 'int32'), 4: ptr('targetCPUUtilizationPercentage', 'int32') },
  CrossVersionObjectReference: { 1: f('kind', 'string'), 2: f('name', 'string'), 3: f('apiVersion', 'string') },
  HorizontalPodAutoscalerStatusV1: {
    1: ptr('observedGeneration', 'int64'),
    2: f('lastScaleTime', 'time'),
    3: f('currentReplicas', 'int32'),
    4: f('desiredReplicas', 'int32'),
    5: ptr('currentCPUUtilizationPercentage', 'int32'),
  },
};

/** Top-level kinds the decoder accepts, keyed by `apiVersion/kind`. */
export const TOP_LEVEL: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'apps/v1/Deployment': 'Deployment',
  'batch/v1/Job': 'Job',
  'networking.k8s.io/v1/Ingress': 'Ingress',
  'v1/ResourceQuota': 'ResourceQuota',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'policy/v1/Eviction': 'Eviction',
  'policy/v1beta1/Eviction': 'Eviction',
  'autoscaling/v1/HorizontalPodAutoscaler': 'HorizontalPodAutoscalerV1',
};
