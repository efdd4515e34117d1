// Objects are stored under their type's preferred version; a request made
// through an alias version (networking.istio.io/v1beta1) sees that version
// in apiVersion, and list/watch results carry kind and apiVersion per item.
// A few alias versions differ in shape (autoscaling/v1 HPAs): those are
// converted both ways here.

import type { HorizontalPodAutoscaler, ObjectInput, ResourceType } from '../api/index.ts';
import type { ResourceRequest } from './request-info.ts';
import { hpaV1ToV2, hpaV2ToV1 } from './hpa-conversion.ts';

interface VersionConversion {
  toStored(body: ObjectInput): ObjectInput;
  fromStored(obj: object): object;
}

const CONVERSIONS: Record<string, VersionConversion> = {
  'autoscaling/v1/HorizontalPodAutoscaler': { toStored: hpaV1ToV2, fromStored: (obj) => hpaV2ToV1(obj as HorizontalPodAutoscaler) },
};

function conversionFor(type: ResourceType, version: string): VersionConversion | undefined {
  return version === type.version ? undefined : CONVERSIONS[`${type.group}/${version}/${type.kind}`];
}

/** True when the requested version is a differently shaped view of the stored one. */
export function isConvertedVersion(request: Pick<ResourceRequest, 'type' | 'version'>): boolean {
  return conversionFor(request.type, request.version) !== undefined;
}

export function requestedApiVersion(type: ResourceType, version: string): string {
  return type.group ? `${type.group}/${version}` : version;
}

export function withRequestedVersion<T extends object>(obj: T, request: Pick<ResourceRequest, 'type' | 'version'>): T {
  const apiVersion = requestedApiVersion(request.type, request.version);
  const o = obj as Record<string, unknown>;
  const conversion = conversionFor(request.type, request.version);
  if (conversion) return { ...conversion.fromStored(obj), apiVersion, kind: request.type.kind } as T;
  if (o['apiVersion'] === apiVersion && o['kind'] === request.type.kind) return obj;
  return { ...o, apiVersion, kind: request.type.kind } as T;
}

/** A body sent through the requested version, in the stored version's shape. */
export function toStoredVersion(body: ObjectInput, request: Pick<ResourceRequest, 'type' | 'version'>): ObjectInput {
  return conversionFor(request.type, request.version)?.toStored(body) ?? body;
}
