// pods/eviction: POST a policy/v1 (or v1beta1) Eviction; the registry's
// evictPod decides against the pod's PodDisruptionBudget. Success is
// Kubernetes' 201 Status.

import type { Eviction } from '../api/index.ts';
import { ApiError } from '../api/index.ts';
import { evictPod } from '../registry/index.ts';
import { decodeObjectBody, readBody } from './body.ts';
import { isDryRun } from './dry-run.ts';
import type { HandlerContext } from './resource-handlers.ts';
import { sendJson } from './responses.ts';

const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1'];

export async function handleEviction(ctx: HandlerContext): Promise<void> {
  const { req, res, request } = ctx;
  if (req.method !== 'POST') throw new ApiError('MethodNotAllowed', `apiserver: ${req.method} is not supported on pods/eviction; POST an Eviction`);
  const body = decodeObjectBody(req, await readBody(req));
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('BadRequest', 'apiserver: an Eviction body must be a JSON object');
  const eviction = body as Eviction;
  if (eviction.kind !== undefined && eviction.kind !== 'Eviction') {
    throw new ApiError('BadRequest', `apiserver: pods/eviction takes a policy/v1 Eviction, not ${JSON.stringify(eviction.kind)}`);
  }
  if (eviction.apiVersion !== undefined && !EVICTION_VERSIONS.includes(eviction.apiVersion)) {
    throw new ApiError('BadRequest', `apiserver: pods/eviction takes apiVersion policy/v1 or policy/v1beta1, not ${JSON.stringify(eviction.apiVersion)}`);
  }
  const dryRun = isDryRun(ctx.query) || (eviction.deleteOptions?.dryRun ?? []).includes('All');
  await evictPod(ctx.client, request.namespace!, request.name!, eviction, { clock: ctx.clock, dryRun });
  sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
