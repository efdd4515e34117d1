// The scale subresource: an autoscaling/v1 Scale view of a Deployment or
// ReplicaSet. Writes (PUT, or a patch of the Scale) become a merge patch of
// spec.replicas on the object itself.

import type { KubeObject } from '../api/index.ts';
import { ApiError, notFound, selectorToString } from '../api/index.ts';
import type { LabelSelector } from '../api/index.ts';
import { applyJsonPatch, applyMergePatch } from '../registry/patch/index.ts';
import { decodeObjectBody, decodePatchBody, readBody } from './body.ts';
import type { HandlerContext } from './resource-handlers.ts';
import { sendJson } from './responses.ts';
import { customScaleOf, replicasPatch, scalePathsOf } from './custom-scale.ts';

export function scaleOf(obj: KubeObject): Record<string, unknown> {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: LabelSelector };
  const status = (obj.status ?? {}) as { replicas?: number };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector: spec.selector ? selectorToString(spec.selector) : '' },
  };
}

function replicasOf(scale: unknown): number {
  const replicas = (scale as { spec?: { replicas?: unknown } } | null)?.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError('Invalid', `Scale is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
      kind: 'Scale',
      group: 'autoscaling',
      causes: [{ field: 'spec.replicas', reason: 'FieldValueInvalid', message: 'must be greater than or equal to 0' }],
    });
  }
  return replicas;
}

export async function handleScale(ctx: HandlerContext): Promise<void> {
  const { req, res, request, client } = ctx;
  const name = request.name!;
  const current = await client.get(request.type, request.namespace, name);
  if (!current) throw notFound(request.type.plural, name, request.type.group);
  const customPaths = request.custom ? scalePathsOf(request.custom) : undefined;
  const scale = customPaths ? customScaleOf(current, customPaths) : scaleOf(current);
  if (req.method === 'GET') return sendJson(res, 200, scale);
  let desired: unknown;
  let resourceVersion: string | undefined;
  if (req.method === 'PUT') {
    desired = decodeObjectBody(req, await readBody(req));
    resourceVersion = (desired as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
  } else if (req.method === 'PATCH') {
    const { patchType, patch } = decodePatchBody(req, await readBody(req));
    if (patchType === 'json') desired = applyJsonPatch(scale, patch);
    else if (patchType === 'apply') desired = patch;
    else desired = applyMergePatch(scale, patch);
    // A version the patch set (the Scale carried the current one) is a precondition, as for any patch.
    const patchedVersion = (desired as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
    if (patchedVersion !== current.metadata.resourceVersion) resourceVersion = patchedVersion;
  } else {
    throw new ApiError('MethodNotAllowed', `apiserver: ${req.method} is not supported on ${request.type.plural}/scale`);
  }
  const replicas = replicasOf(desired);
  if (customPaths) {
    const updated = await client.patch(request.type, request.namespace, name, 'merge', { ...replicasPatch(customPaths, replicas), metadata: resourceVersion ? { resourceVersion } : {} });
    return sendJson(res, 200, customScaleOf(updated, customPaths));
  }
  const patch = { metadata: resourceVersion ? { resourceVersion } : {}, spec: { replicas } };
  const updated = await client.patch(request.type, request.namespace, name, 'merge', patch, { subresource: 'scale' });
  sendJson(res, 200, scaleOf(updated));
}
