// Downward-API volume files: pod metadata (fieldRef) and container resources
// (resourceFieldRef), formatted as the kubelet formats them.

import { cpus, totalmem } from 'node:os';
import type { DownwardAPIVolumeFile, Pod } from '../api/index.ts';
import { parseQuantity } from './quantity.ts';

/** kubelet's fieldpath.FormatMap: sorted `key="value"` lines (Go %q quoting). */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map![k])}`)
    .join('\n');
}

export function downwardFieldValue(pod: Pod, fieldPath: string): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    default: {
      const one = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
      if (one) return (one[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[one[2]!] ?? '';
      throw new Error(`unsupported fieldPath: ${fieldPath}`);
    }
  }
}

/**
 * A container's limit or request in units of the divisor, rounded up as the kubelet does;
 * an unset limit is the node's allocatable (here: the machine's CPUs and memory).
 */
export function downwardResourceValue(pod: Pod, ref: NonNullable<DownwardAPIVolumeFile['resourceFieldRef']>): string {
  const containers = pod.spec?.containers ?? [];
  const container = ref.containerName ? containers.find((c) => c.name === ref.containerName) : containers[0];
  if (!container) throw new Error(`container "${ref.containerName ?? ''}" not found in pod`);
  const [kind, resource] = ref.resource.split('.') as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !resource) throw new Error(`unsupported container resource: ${ref.resource}`);
  const given = parseQuantity(container.resources?.[kind]?.[resource] ?? (kind === 'requests' ? container.resources?.limits?.[resource] : undefined));
  const nodeValue = resource === 'cpu' ? cpus().length : resource === 'memory' ? totalmem() : 0;
  const value = given ?? (kind === 'limits' ? nodeValue : 0);
  const divisor = parseQuantity(ref.divisor ?? 1) || 1;
  return String(Math.ceil(value / divisor - 1e-9));
}
