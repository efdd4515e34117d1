// dryRun=All (kubectl diff, apply --dry-run=server): the write is computed,
// defaulted and validated exactly as a real one, then returned unsaved.

import type { Client, KubeObject, ObjectInput, PatchType, ResourceType } from '../api/index.ts';
import { ApiError, invalid, notFound } from '../api/index.ts';
import { applyDefaults, validateObject } from '../registry/validation/index.ts';
import { applyPatch } from '../registry/patch/index.ts';
import { admitMutating, admitValidating } from '../registry/admission/index.ts';

function checked(type: ResourceType, obj: ObjectInput): ObjectInput {
  const defaulted = applyDefaults(type, obj);
  const causes = validateObject(type, defaulted);
  if (causes.length) throw invalid(type.kind, defaulted.metadata.name ?? '', causes, type.group);
  return defaulted;
}

export function isDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw new ApiError('BadRequest', `apiserver: dryRun=${JSON.stringify(v)}: the only supported value is All`);
  return values.length > 0;
}

export async function dryRunCreate(client: Client, type: ResourceType, obj: ObjectInput): Promise<ObjectInput> {
  const name = obj.metadata.name;
  if (name && (await client.get(type, obj.metadata.namespace, name))) {
    throw new ApiError('AlreadyExists', `${type.group ? `${type.plural}.${type.group}` : type.plural} "${name}" already exists`, { name, group: type.group, kind: type.plural });
  }
  // Admission runs as for a real create (LimitRanger defaults, quota refusals), without charging quotas.
  const admitted = applyDefaults(type, obj);
  await admitMutating(client, type, admitted);
  const out = checked(type, admitted);
  await admitValidating(client, type, out, { dryRun: true });
  out.metadata = { ...out.metadata, creationTimestamp: new Date().toISOString(), generation: 1 };
  return out;
}

async function current(client: Client, type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
  const obj = await client.get(type, namespace, name);
  if (!obj) throw notFound(type.plural, name, type.group);
  return obj;
}

export async function dryRunUpdate(client: Client, type: ResourceType, obj: ObjectInput): Promise<ObjectInput> {
  const live = await current(client, type, obj.metadata.namespace, obj.metadata.name ?? '');
  const rv = obj.metadata.resourceVersion;
  if (rv && rv !== live.metadata.resourceVersion) {
    throw new ApiError('Conflict', `Operation cannot be fulfilled on ${type.plural} "${live.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
  }
  const out = checked(type, obj);
  out.metadata = { ...out.metadata, uid: live.metadata.uid, creationTimestamp: live.metadata.creationTimestamp, resourceVersion: live.metadata.resourceVersion };
  return out;
}

export async function dryRunPatch(
  client: Client,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  patchType: PatchType,
  patch: unknown,
  options: { fieldManager?: string; force?: boolean },
): Promise<ObjectInput> {
  const live = await client.get(type, namespace, name);
  if (!live && patchType !== 'apply') throw notFound(type.plural, name, type.group);
  const patched = applyPatch(type, live, patchType, patch, options);
  const rv = live ? patched.metadata.resourceVersion : undefined;
  if (live && rv && rv !== live.metadata.resourceVersion) {
    throw new ApiError('Conflict', `Operation cannot be fulfilled on ${type.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
  }
  patched.metadata = { ...patched.metadata, name, ...(type.namespaced ? { namespace } : {}) };
  return checked(type, patched);
}

export async function dryRunDelete(client: Client, type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
  return current(client, type, namespace, name);
}
