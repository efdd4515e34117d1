// Non-apply patches that name a fieldManager (every kubectl patch does:
// kubectl-client-side-apply, kubectl-edit, kubectl-label, ...) record the
// manager's ownership in managedFields, as Kubernetes does, so a later
// server-side apply sees who owns what. The patch is computed here and
// written as a compare-and-swap update, retried on conflict.

import type { Client, KubeObject, PatchType, ResourceType } from '../api/index.ts';
import { ApiError, notFound } from '../api/index.ts';
import { applyPatch, recordUpdateManager } from '../registry/patch/index.ts';

const MAX_ATTEMPTS = 8;

export async function patchWithManager(
  client: Client,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  patchType: Exclude<PatchType, 'apply'>,
  patch: unknown,
  manager: string,
  now: () => number,
): Promise<KubeObject> {
  for (let attempt = 1; ; attempt++) {
    const before = await client.get(type, namespace, name);
    if (!before) throw notFound(type.plural, name, type.group);
    const patched = applyPatch(type, before, patchType, patch, { fieldManager: manager });
    patched.metadata = { ...patched.metadata, resourceVersion: before.metadata.resourceVersion };
    const time = new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      return await client.update(type, recordUpdateManager(type, before, patched, manager, time));
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'Conflict' && attempt < MAX_ATTEMPTS) continue;
      throw err;
    }
  }
}
