// REST paths of the Kubernetes API for a resource type.

import type { ResourceType } from '../api/index.ts';

export function groupVersionPath(type: ResourceType): string {
  return type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
}

/** Collection path; namespace undefined on a namespaced type means all namespaces. */
export function collectionPath(type: ResourceType, namespace: string | undefined): string {
  const base = groupVersionPath(type);
  return type.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}` : `${base}/${type.plural}`;
}

export function objectPath(type: ResourceType, namespace: string | undefined, name: string, subresource?: string): string {
  const ns = type.namespaced ? (namespace ?? 'default') : undefined;
  const path = `${collectionPath(type, ns)}/${encodeURIComponent(name)}`;
  return subresource ? `${path}/${subresource}` : path;
}
