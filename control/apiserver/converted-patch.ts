// PATCH through a version whose shape differs from the stored one
// (autoscaling/v1 HPAs): the patch applies to the object as that version
// shows it, and the result is converted back and written as an update, the
// way kube-apiserver patches in the request's version. A resourceVersion the
// patch carries stays a precondition (the update's CAS).

import type { KubeObject, ObjectInput, PatchType } from '../api/index.ts';
import { ApiError, notFound } from '../api/index.ts';
import { applyPatch } from '../registry/patch/index.ts';
import type { HandlerContext } from './resource-handlers.ts';
import { requestedApiVersion, toStoredVersion, withRequestedVersion } from './versions.ts';

export async function patchConvertedObject(ctx: HandlerContext, decoded: { patchType: PatchType; patch: unknown }): Promise<unknown> {
  const { request, client, query } = ctx;
  const name = request.name!;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await client.get(request.type, request.namespace, name);
    if (!current) throw notFound(request.type.plural, name, request.type.group);
    const view = withRequestedVersion(current, request) as KubeObject;
    const patched = applyPatch(request.type, view, decoded.patchType, decoded.patch, { fieldManager: query.get('fieldManager') ?? undefined, force: query.get('force') === 'true' });
    const sentVersion = patched.metadata.resourceVersion;
    const precondition = sentVersion !== undefined && sentVersion !== current.metadata.resourceVersion;
    const stored: ObjectInput = {
      ...toStoredVersion(patched, request),
      apiVersion: requestedApiVersion(request.type, request.type.version),
      kind: request.type.kind,
      metadata: { ...patched.metadata, resourceVersion: precondition ? sentVersion : current.metadata.resourceVersion },
    };
    try {
      const written = request.subresource === 'status' ? await client.updateStatus(request.type, stored) : await client.update(request.type, stored);
      return withRequestedVersion(written, request);
    } catch (err) {
      // A race with another writer: patch the newer object again, unless the patch named its version.
      if (precondition || !(err instanceof ApiError && err.reason === 'Conflict')) throw err;
    }
  }
  throw new ApiError('Conflict', `Operation cannot be fulfilled on ${request.type.plural}.${request.type.group} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
}
