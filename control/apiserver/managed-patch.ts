// Non-apply patches that name a fieldManager (every kubectl patch does:
// kubectl-client-side-apply, kubectl-edit, kubectl-label, ...) record the
// manager's ownership in managedFields, as Kubernetes does, so a later
// server-side apply sees who owns what. The patch is computed here and
// written as a compare-and-swap update. As in kube-apiserver, a
// metadata.resourceVersion the patch carries is a precondition (409 when the
// object moved on); a patch without one is recomputed and retried until it
// lands, however many writers race it.

import type { Client, KubeObject, PatchType, ResourceType } from '../api/index.ts';
import { ApiError, notFound } from '../api/index.ts';
import { applyPatch, recordUpdateManager } from '../registry/patch/index.ts';

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
  for (;;) {
    const before = await client.get(type, namespace, name);
    if (!before) throw notFound(type.plural, name, type.group);
    const patched = applyPatch(type, before, patchType, patch, { fieldManager: manager });
    // The patch was applied to `before`, so a version other than before's is one the patch set.
    const precondition = patched.metadata.resourceVersion;
    const conditional = Boolean(precondition) && precondition !== before.metadata.resourceVersion;
    patched.metadata = { ...patched.metadata, resourceVersion: conditional ? precondition : before.metadata.resourceVersion };
    const time = new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    try {
      return await client.update(type, recordUpdateManager(type, before, patched, manager, time));
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'Conflict' && !conditional) continue;
      throw err;
    }
  }
}
