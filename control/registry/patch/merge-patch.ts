// RFC 7386 JSON Merge Patch (application/merge-patch+json): objects merge
// recursively, null deletes a member, anything else (arrays included) replaces.

import { isPlainObject } from './values.ts';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}
