// Objects are stored under their type's preferred version; a request made
// through an alias version (networking.istio.io/v1beta1) sees that version
// in apiVersion, and list/watch results carry kind and apiVersion per item.

import type { ResourceType } from '../api/index.ts';
import type { ResourceRequest } from './request-info.ts';

export function requestedApiVersion(type: ResourceType, version: string): string {
  return type.group ? `${type.group}/${version}` : version;
}

export function withRequestedVersion<T extends object>(obj: T, request: Pick<ResourceRequest, 'type' | 'version'>): T {
  const apiVersion = requestedApiVersion(request.type, request.version);
  const o = obj as Record<string, unknown>;
  if (o['apiVersion'] === apiVersion && o['kind'] === request.type.kind) return obj;
  return { ...o, apiVersion, kind: request.type.kind } as T;
}
