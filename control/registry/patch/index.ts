// control/registry/patch: turns (current object, patch type, patch body) into
// the object to write. The registry runs defaulting, validation and the
// resourceVersion compare-and-swap on the result as for an update.

import type { KubeObject, ObjectInput, PatchType, ResourceType } from '../../api/index.ts';
import { ApiError, notFound } from '../../api/index.ts';
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import { applyStrategicMergePatch } from './strategic.ts';
import { applyServerSide } from './apply.ts';
import { isPlainObject } from './values.ts';
import { parseYamlDocument } from './yaml.ts';

export { applyJsonPatch } from './json-patch.ts';
export { applyMergePatch } from './merge-patch.ts';
export { applyStrategicMergePatch } from './strategic.ts';
export { listStrategyFor } from './merge-keys.ts';
export type { ListStrategy } from './merge-keys.ts';
export { parseYamlDocument, parseAllYamlDocuments, stringifyYaml } from './yaml.ts';
export { recordUpdateManager } from './apply.ts';

/** Groups whose kinds are compiled into Kubernetes and so accept strategic merge patches. */
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'discovery.k8s.io', 'coordination.k8s.io', 'networking.k8s.io', 'autoscaling', 'policy']);

export function supportsStrategicMerge(type: ResourceType): boolean {
  return BUILTIN_GROUPS.has(type.group);
}

function decode(patchType: PatchType, patch: unknown): unknown {
  const text = typeof patch === 'string' ? patch : patch instanceof Uint8Array ? Buffer.from(patch).toString('utf8') : undefined;
  if (text === undefined) return patch;
  if (patchType === 'apply') return parseYamlDocument(text, 'registry/patch: apply patch');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError('BadRequest', `registry/patch: ${patchType} patch body is not valid JSON: ${(err as Error).message}`);
  }
}

export function applyPatch(
  type: ResourceType,
  current: KubeObject | undefined,
  patchType: PatchType,
  patch: unknown,
  options: { fieldManager?: string; force?: boolean },
): ObjectInput {
  const body = decode(patchType, patch);
  if (patchType === 'apply') return applyServerSide(type, current, body, options);
  if (!current) throw notFound(type.plural, '', type.group);
  let result: unknown;
  switch (patchType) {
    case 'json':
      result = applyJsonPatch(current, body);
      break;
    case 'merge':
      if (!isPlainObject(body)) throw new ApiError('BadRequest', 'registry/patch: a merge patch must be a JSON object');
      result = applyMergePatch(current, body);
      break;
    case 'strategic':
      if (!supportsStrategicMerge(type)) {
        throw new ApiError('UnsupportedMediaType', `registry/patch: strategic merge patch is not supported for ${type.kind}.${type.group}; use application/merge-patch+json`);
      }
      result = applyStrategicMergePatch(type.kind, current, body);
      break;
    default:
      throw new ApiError('UnsupportedMediaType', `registry/patch: unknown patch type ${JSON.stringify(patchType)}`);
  }
  if (!isPlainObject(result) || !isPlainObject(result['metadata'])) {
    throw new ApiError('BadRequest', 'registry/patch: the patched result must be an object with metadata');
  }
  return result as ObjectInput;
}
