// The Status errors the registry raises, worded as the Kubernetes API server words them.

import { ApiError, invalid, isStoreError } from '../api/index.ts';
import type { KubeObject, ObjectInput, ResourceType, StatusCause } from '../api/index.ts';

export function checkKind(type: ResourceType, input: ObjectInput): void {
  if (!input || typeof input !== 'object' || !input.metadata || typeof input.metadata !== 'object') {
    throw new ApiError('BadRequest', `control/registry: ${type.kind} object must have metadata`);
  }
  if (input.kind && input.kind !== type.kind) {
    throw new ApiError('BadRequest', `the kind "${input.kind}" does not match the resource ${type.plural} (kind ${type.kind})`);
  }
}

export function requireName(type: ResourceType, input: ObjectInput): string {
  const name = input.metadata.name;
  if (!name) throw invalid(type.kind, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value' }], type.group);
  return name;
}

export function alreadyExists(type: ResourceType, name: string): ApiError {
  const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
  return new ApiError('AlreadyExists', `${resource} "${name}" already exists`, { name, group: type.group, kind: type.plural });
}

export function conflict(type: ResourceType, name: string): ApiError {
  const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
  return new ApiError(
    'Conflict',
    `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: type.group, kind: type.plural },
  );
}

export function storeFailure(err: unknown): Error {
  if (err instanceof ApiError) return err;
  if (isStoreError(err, 'Unavailable')) return new ApiError('ServiceUnavailable', err.message, undefined, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

/** A resourceVersion the caller sent is a precondition on the object as stored now. */
export function requireResourceVersion(type: ResourceType, name: string, wanted: string | undefined, current: KubeObject): void {
  if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(type, name);
}

/** A custom resource's 422 names its kind qualified by group, as apiextensions-apiserver does (`Widget.example.com "w" is invalid: …`). */
export function invalidCustomResource(type: ResourceType, name: string, causes: StatusCause[]): ApiError {
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new ApiError('Invalid', `${type.kind}.${type.group} "${name}" is invalid: ${summary}`, { name, kind: type.kind, group: type.group, causes });
}
