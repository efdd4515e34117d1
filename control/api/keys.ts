// Store keys, laid out as the Kubernetes API server lays them out in etcd:
//   /registry/<group>/<plural>/<namespace>/<name>   (core group: /registry/<plural>/...)
// A prefix ending in '/' lists everything below it.

import type { ResourceType } from './resources.ts';

export const REGISTRY_ROOT = '/registry/';

export function typePrefix(type: ResourceType): string {
  return type.group ? `${REGISTRY_ROOT}${type.group}/${type.plural}/` : `${REGISTRY_ROOT}${type.plural}/`;
}

export function namespacePrefix(type: ResourceType, namespace: string | undefined): string {
  if (!type.namespaced || namespace === undefined || namespace === '') return typePrefix(type);
  return `${typePrefix(type)}${namespace}/`;
}

export function objectKey(type: ResourceType, namespace: string | undefined, name: string): string {
  return type.namespaced ? `${typePrefix(type)}${namespace ?? 'default'}/${name}` : `${typePrefix(type)}${name}`;
}
