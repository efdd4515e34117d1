// Column definitions per kind, matching kubectl's server-side printers
// (pkg/printers/internalversion/printers.go) and Istio's CRD printer columns.
// priority 1 columns are the ones kubectl shows only with -o wide.

import type { KubeObject, ResourceType } from '../api/index.ts';
import { ageOf } from './human-duration.ts';
import { podCells } from './table-pods.ts';
import { pvCells, pvcCells, storageClassCells } from './table-storage.ts';
import { hpaMinPods, hpaReference, hpaTargets } from './table-hpa.ts';

export interface Column {
  name: string;
  type?: 'string' | 'integer' | 'number' | 'date';
  format?: string;
  description?: string;
  priority?: number;
  value(obj: KubeObject, now: number): unknown;
}

type Obj = Record<string, unknown>;

function get(obj: unknown, path: string): unknown {
  let node = obj;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Obj)[key];
  }
  return node;
}

function orNone(v: unknown): unknown {
  return v === undefined || v === null || v === '' ? '<none>' : v;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function formatLabels(map: unknown): string {
  if (!map || typeof map !== 'object') return '<none>';
  const entries = Object.entries(map as Record<string, string>).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

function labelSelector(sel: unknown): string {
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined;
  if (!s) return '<none>';
  const parts = Object.entries(s.matchLabels ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

function containersOf(obj: KubeObject): { name: string; image?: string }[] {
  return (get(obj, 'spec.template.spec.containers') as { name: string; image?: string }[] | undefined) ?? [];
}

const col = (name: string, value: Column['value'], extra: Partial<Column> = {}): Column => ({ name, value, ...extra });
const wide = (name: string, value: Column['value']): Column => col(name, value, { priority: 1 });

export const NAME_COLUMN: Column = col('Name', (o) => o.metadata.name, { format: 'name', description: 'Name must be unique within a namespace.' });
export const AGE_COLUMN: Column = col('Age', (o, now) => ageOf(o.metadata.creationTimestamp, now), { description: 'CreationTimestamp' });

const workloadWide: Column[] = [
  wide('Containers', (o) => containersOf(o).map((c) => c.name).join(',')),
  wide('Images', (o) => containersOf(o).map((c) => c.image ?? '').join(',')),
  wide('Selector', (o) => labelSelector(get(o, 'spec.selector'))),
];

function servicePorts(o: KubeObject): string {
  const ports = (get(o, 'spec.ports') as { port: number; nodePort?: number; protocol?: string }[] | undefined) ?? [];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function externalIp(o: KubeObject): string {
  const type = get(o, 'spec.type') ?? 'ClusterIP';
  const external = (get(o, 'spec.externalIPs') as string[] | undefined) ?? [];
  if (type === 'ExternalName') return String(get(o, 'spec.externalName') ?? '<none>');
  if (type === 'LoadBalancer') {
    const ingress = ((get(o, 'status.loadBalancer.ingress') as { ip?: string; hostname?: string }[] | undefined) ?? []).map((i) => i.ip ?? i.hostname ?? '');
    const all = [...ingress, ...external].filter(Boolean);
    return all.length ? all.join(',') : '<pending>';
  }
  return external.length ? external.join(',') : '<none>';
}

function endpointsCell(o: KubeObject): string {
  const subsets = (o['subsets'] as { addresses?: { ip: string }[]; ports?: { port: number }[] }[] | undefined) ?? [];
  const list: string[] = [];
  for (const s of subsets) {
    for (const a of s.addresses ?? []) {
      if ((s.ports ?? []).length === 0) list.push(a.ip);
      for (const p of s.ports ?? []) list.push(`${a.ip}:${p.port}`);
    }
  }
  if (list.length === 0) return '<none>';
  return list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',');
}

function nodeStatus(o: KubeObject): string {
  const ready = ((get(o, 'status.conditions') as { type: string; status: string }[] | undefined) ?? []).find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
  if (get(o, 'spec.unschedulable') === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  return roles.length ? roles.sort().join(',') : '<none>';
}

function nodeAddress(o: KubeObject, type: string): unknown {
  const addr = ((get(o, 'status.addresses') as { type: string; address: string }[] | undefined) ?? []).find((a) => a.type === type);
  return orNone(addr?.address);
}

function eventObject(o: KubeObject): string {
  const inv = (o['involvedObject'] ?? {}) as { kind?: string; name?: string };
  return `${(inv.kind ?? '').toLowerCase()}/${inv.name ?? ''}`;
}

function eventLastSeen(o: KubeObject, now: number): string {
  const t = (o['lastTimestamp'] as string | undefined) ?? (o['eventTime'] as string | undefined) ?? (o['firstTimestamp'] as string | undefined) ?? o.metadata.creationTimestamp;
  return ageOf(t, now);
}

function json(v: unknown): unknown {
  return v === undefined ? '<none>' : Array.isArray(v) || (v !== null && typeof v === 'object') ? JSON.stringify(v) : v;
}

function jobDuration(o: KubeObject, now: number): string {
  const start = get(o, 'status.startTime') as string | undefined;
  if (!start) return '';
  const end = (get(o, 'status.completionTime') as string | undefined) ?? new Date(now).toISOString();
  return ageOf(start, Date.parse(end));
}

function controllerOfRevision(o: KubeObject): string {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`;
}

/** kubectl's quota cell: `used/hard` per resource, limits.* in LIMIT and everything else in REQUEST. */
function quotaCell(o: KubeObject, limits: boolean): string {
  const hard = (get(o, 'status.hard') ?? {}) as Record<string, string>;
  const used = (get(o, 'status.used') ?? {}) as Record<string, string>;
  return Object.keys(hard)
    .filter((k) => k.startsWith('limits.') === limits)
    .sort()
    .map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`)
    .join(', ');
}

function ingressClassParameters(o: KubeObject): string {
  const p = get(o, 'spec.parameters') as { apiGroup?: string; kind?: string; name?: string } | undefined;
  if (!p) return '<none>';
  return `${p.kind ?? ''}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name ?? ''}`;
}

const COLUMNS: Record<string, Column[]> = {
  '/Pod': [
    NAME_COLUMN,
    col('Ready', (o) => podCells(o).ready, { description: 'The aggregate readiness state of this pod for accepting traffic.' }),
    col('Status', (o) => podCells(o).status, { description: 'The aggregate status of the containers in this pod.' }),
    col('Restarts', (o, now) => podCells(o, now).restarts, { description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' }),
    AGE_COLUMN,
    wide('IP', (o) => orNone(get(o, 'status.podIP'))),
    wide('Node', (o) => orNone(get(o, 'spec.nodeName'))),
    wide('Nominated Node', (o) => orNone(get(o, 'status.nominatedNodeName'))),
    wide('Readiness Gates', (o) => podCells(o).readinessGates),
  ],
  '/Service': [
    NAME_COLUMN,
    col('Type', (o) => get(o, 'spec.type') ?? 'ClusterIP'),
    col('Cluster-IP', (o) => orNone(get(o, 'spec.clusterIP'))),
    col('External-IP', externalIp),
    col('Port(s)', servicePorts),
    AGE_COLUMN,
    wide('Selector', (o) => formatLabels(get(o, 'spec.selector'))),
  ],
  'apps/Deployment': [
    NAME_COLUMN,
    col('Ready', (o) => `${num(get(o, 'status.readyReplicas'))}/${num(get(o, 'spec.replicas'))}`),
    col('Up-to-date', (o) => num(get(o, 'status.updatedReplicas')), { type: 'integer' }),
    col('Available', (o) => num(get(o, 'status.availableReplicas')), { type: 'integer' }),
    AGE_COLUMN,
    ...workloadWide,
  ],
  'apps/ReplicaSet': [
    NAME_COLUMN,
    col('Desired', (o) => num(get(o, 'spec.replicas')), { type: 'integer' }),
    col('Current', (o) => num(get(o, 'status.replicas')), { type: 'integer' }),
    col('Ready', (o) => num(get(o, 'status.readyReplicas')), { type: 'integer' }),
    AGE_COLUMN,
    ...workloadWide,
  ],
  'apps/StatefulSet': [
    NAME_COLUMN,
    col('Ready', (o) => `${num(get(o, 'status.readyReplicas'))}/${num(get(o, 'spec.replicas'))}`),
    AGE_COLUMN,
    ...workloadWide.slice(0, 2),
  ],
  'apps/ControllerRevision': [
    NAME_COLUMN,
    col('Controller', controllerOfRevision),
    col('Revision', (o) => num(o['revision']), { type: 'integer' }),
    AGE_COLUMN,
  ],
  'batch/Job': [
    NAME_COLUMN,
    col('Completions', (o) => `${num(get(o, 'status.succeeded'))}/${num(get(o, 'spec.completions')) || 1}`),
    col('Duration', jobDuration),
    AGE_COLUMN,
    ...workloadWide,
  ],
  'apps/DaemonSet': [
    NAME_COLUMN,
    col('Desired', (o) => num(get(o, 'status.desiredNumberScheduled')), { type: 'integer' }),
    col('Current', (o) => num(get(o, 'status.currentNumberScheduled')), { type: 'integer' }),
    col('Ready', (o) => num(get(o, 'status.numberReady')), { type: 'integer' }),
    col('Up-to-date', (o) => num(get(o, 'status.updatedNumberScheduled')), { type: 'integer' }),
    col('Available', (o) => num(get(o, 'status.numberAvailable')), { type: 'integer' }),
    col('Node Selector', (o) => formatLabels(get(o, 'spec.template.spec.nodeSelector'))),
    AGE_COLUMN,
    ...workloadWide,
  ],
  'batch/CronJob': [
    NAME_COLUMN,
    col('Schedule', (o) => get(o, 'spec.schedule') ?? ''),
    col('Timezone', (o) => orNone(get(o, 'spec.timeZone'))),
    col('Suspend', (o) => (get(o, 'spec.suspend') === true ? 'True' : 'False')),
    col('Active', (o) => ((get(o, 'status.active') as unknown[] | undefined) ?? []).length, { type: 'integer' }),
    col('Last Schedule', (o, now) => {
      const last = get(o, 'status.lastScheduleTime') as string | undefined;
      return last ? ageOf(last, now) : '<none>';
    }),
    AGE_COLUMN,
    wide('Containers', (o) => ((get(o, 'spec.jobTemplate.spec.template.spec.containers') as { name: string }[] | undefined) ?? []).map((c) => c.name).join(',')),
    wide('Images', (o) => ((get(o, 'spec.jobTemplate.spec.template.spec.containers') as { image?: string }[] | undefined) ?? []).map((c) => c.image ?? '').join(',')),
    wide('Selector', (o) => labelSelector(get(o, 'spec.jobTemplate.spec.selector'))),
  ],
  'autoscaling/HorizontalPodAutoscaler': [
    NAME_COLUMN,
    col('Reference', hpaReference),
    col('Targets', hpaTargets),
    col('MinPods', hpaMinPods),
    col('MaxPods', (o) => num(get(o, 'spec.maxReplicas')), { type: 'integer' }),
    col('Replicas', (o) => num(get(o, 'status.currentReplicas')), { type: 'integer' }),
    AGE_COLUMN,
  ],
  '/Node': [
    NAME_COLUMN,
    col('Status', nodeStatus),
    col('Roles', nodeRoles),
    AGE_COLUMN,
    col('Version', (o) => get(o, 'status.nodeInfo.kubeletVersion') ?? ''),
    wide('Internal-IP', (o) => nodeAddress(o, 'InternalIP')),
    wide('External-IP', (o) => nodeAddress(o, 'ExternalIP')),
    wide('OS-Image', (o) => orNone(get(o, 'status.nodeInfo.osImage'))),
    wide('Kernel-Version', (o) => orNone(get(o, 'status.nodeInfo.kernelVersion'))),
    wide('Container-Runtime', (o) => orNone(get(o, 'status.nodeInfo.containerRuntimeVersion'))),
  ],
  '/Endpoints': [NAME_COLUMN, col('Endpoints', endpointsCell), AGE_COLUMN],
  '/Event': [
    col('Last Seen', eventLastSeen),
    col('Type', (o) => o['type'] ?? ''),
    col('Reason', (o) => o['reason'] ?? ''),
    col('Object', eventObject),
    wide('Subobject', (o) => get(o, 'involvedObject.fieldPath') ?? ''),
    wide('Source', (o) => [get(o, 'source.component'), get(o, 'source.host')].filter(Boolean).join(', ')),
    col('Message', (o) => String(o['message'] ?? '').trim()),
    wide('First Seen', (o, now) => ageOf((o['firstTimestamp'] as string | undefined) ?? o.metadata.creationTimestamp, now)),
    wide('Count', (o) => num(o['count']) || 1),
    wide('Name', (o) => o.metadata.name),
  ],
  '/PersistentVolume': [
    NAME_COLUMN,
    col('Capacity', (o) => pvCells(o).capacity),
    col('Access Modes', (o) => pvCells(o).accessModes),
    col('Reclaim Policy', (o) => pvCells(o).reclaimPolicy),
    col('Status', (o) => pvCells(o).status),
    col('Claim', (o) => pvCells(o).claim),
    col('StorageClass', (o) => pvCells(o).storageClass),
    col('VolumeAttributesClass', (o) => pvCells(o).attributesClass),
    col('Reason', (o) => pvCells(o).reason),
    AGE_COLUMN,
    wide('VolumeMode', (o) => pvCells(o).volumeMode),
  ],
  '/PersistentVolumeClaim': [
    NAME_COLUMN,
    col('Status', (o) => pvcCells(o).status),
    col('Volume', (o) => pvcCells(o).volume),
    col('Capacity', (o) => pvcCells(o).capacity),
    col('Access Modes', (o) => pvcCells(o).accessModes),
    col('StorageClass', (o) => pvcCells(o).storageClass),
    col('VolumeAttributesClass', (o) => pvcCells(o).attributesClass),
    AGE_COLUMN,
    wide('VolumeMode', (o) => pvcCells(o).volumeMode),
  ],
  'storage.k8s.io/StorageClass': [
    col('Name', (o) => storageClassCells(o).name, { format: 'name', description: NAME_COLUMN.description }),
    col('Provisioner', (o) => storageClassCells(o).provisioner),
    col('ReclaimPolicy', (o) => storageClassCells(o).reclaimPolicy),
    col('VolumeBindingMode', (o) => storageClassCells(o).bindingMode),
    col('AllowVolumeExpansion', (o) => storageClassCells(o).allowExpansion),
    AGE_COLUMN,
  ],
  'storage.k8s.io/VolumeAttachment': [
    NAME_COLUMN,
    col('Attacher', (o) => get(o, 'spec.attacher') ?? ''),
    col('PV', (o) => get(o, 'spec.source.persistentVolumeName') ?? ''),
    col('Node', (o) => get(o, 'spec.nodeName') ?? ''),
    col('Attached', (o) => String(get(o, 'status.attached') ?? false)),
    AGE_COLUMN,
  ],
  '/Namespace': [NAME_COLUMN, col('Status', (o) => get(o, 'status.phase') ?? 'Active'), AGE_COLUMN],
  '/ConfigMap': [NAME_COLUMN, col('Data', (o) => Object.keys((o['data'] as Obj | undefined) ?? {}).length + Object.keys((o['binaryData'] as Obj | undefined) ?? {}).length, { type: 'integer' }), AGE_COLUMN],
  '/Secret': [NAME_COLUMN, col('Type', (o) => o['type'] ?? 'Opaque'), col('Data', (o) => Object.keys((o['data'] as Obj | undefined) ?? {}).length, { type: 'integer' }), AGE_COLUMN],
  '/ServiceAccount': [NAME_COLUMN, col('Secrets', (o) => ((o['secrets'] as unknown[] | undefined) ?? []).length, { type: 'integer' }), AGE_COLUMN],
  'networking.k8s.io/Ingress': [
    NAME_COLUMN,
    col('Class', (o) => orNone(get(o, 'spec.ingressClassName'))),
    col('Hosts', (o) => ((get(o, 'spec.rules') as { host?: string }[] | undefined) ?? []).map((r) => r.host ?? '*').join(',') || '*'),
    col('Address', (o) => ((get(o, 'status.loadBalancer.ingress') as { ip?: string; hostname?: string }[] | undefined) ?? []).map((i) => i.ip ?? i.hostname).join(',')),
    col('Ports', (o) => ((get(o, 'spec.tls') as unknown[] | undefined) ?? []).length ? '80, 443' : '80'),
    AGE_COLUMN,
  ],
  'networking.k8s.io/NetworkPolicy': [NAME_COLUMN, col('Pod-Selector', (o) => labelSelector(get(o, 'spec.podSelector'))), AGE_COLUMN],
  'discovery.k8s.io/EndpointSlice': [
    NAME_COLUMN,
    col('AddressType', (o) => o['addressType'] ?? ''),
    col('Ports', (o) => ((o['ports'] as { port?: number }[] | undefined) ?? []).map((p) => p.port).join(',') || '<unset>'),
    col('Endpoints', (o) => {
      const ips = ((o['endpoints'] as { addresses?: string[] }[] | undefined) ?? []).flatMap((e) => e.addresses ?? []);
      return ips.length === 0 ? '<unset>' : ips.length > 3 ? `${ips.slice(0, 3).join(',')} + ${ips.length - 3} more...` : ips.join(',');
    }),
    AGE_COLUMN,
  ],
  'scheduling.k8s.io/PriorityClass': [NAME_COLUMN, col('Value', (o) => num(o['value']), { type: 'integer' }), col('Global-Default', (o) => o['globalDefault'] === true), AGE_COLUMN],
  'policy/PodDisruptionBudget': [
    NAME_COLUMN,
    col('Min Available', (o) => get(o, 'spec.minAvailable') ?? 'N/A', { description: 'The minimum number of pods that must be available.' }),
    col('Max Unavailable', (o) => get(o, 'spec.maxUnavailable') ?? 'N/A', { description: 'The maximum number of pods that may be unavailable.' }),
    col('Allowed Disruptions', (o) => num(get(o, 'status.disruptionsAllowed')), { type: 'integer', description: 'Calculated number of pods that may be disrupted at this time.' }),
    AGE_COLUMN,
  ],
  '/ResourceQuota': [NAME_COLUMN, AGE_COLUMN, col('Request', (o) => quotaCell(o, false)), col('Limit', (o) => quotaCell(o, true))],
  'networking.k8s.io/IngressClass': [NAME_COLUMN, col('Controller', (o) => get(o, 'spec.controller') ?? ''), col('Parameters', (o) => ingressClassParameters(o)), AGE_COLUMN],
  'coordination.k8s.io/Lease': [NAME_COLUMN, col('Holder', (o) => get(o, 'spec.holderIdentity') ?? ''), AGE_COLUMN],
  'networking.istio.io/VirtualService': [NAME_COLUMN, col('Gateways', (o) => json(get(o, 'spec.gateways'))), col('Hosts', (o) => json(get(o, 'spec.hosts'))), AGE_COLUMN],
  'networking.istio.io/DestinationRule': [NAME_COLUMN, col('Host', (o) => orNone(get(o, 'spec.host'))), AGE_COLUMN],
  'networking.istio.io/ServiceEntry': [
    NAME_COLUMN,
    col('Hosts', (o) => json(get(o, 'spec.hosts'))),
    col('Location', (o) => get(o, 'spec.location') ?? ''),
    col('Resolution', (o) => get(o, 'spec.resolution') ?? ''),
    AGE_COLUMN,
  ],
  'security.istio.io/AuthorizationPolicy': [NAME_COLUMN, col('Action', (o) => get(o, 'spec.action') ?? 'ALLOW'), AGE_COLUMN],
  'security.istio.io/PeerAuthentication': [NAME_COLUMN, col('Mode', (o) => get(o, 'spec.mtls.mode') ?? ''), AGE_COLUMN],
};

export function columnsFor(type: ResourceType): Column[] {
  return COLUMNS[`${type.group}/${type.kind}`] ?? [NAME_COLUMN, AGE_COLUMN];
}
