// The REST verbs on resource paths: get, list, watch, create, update, patch,
// delete, deletecollection and the status / scale / log / binding subresources.
// Each maps onto one or a few Client calls; the Client owns the semantics.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client, Clock, DeleteOptions, KubeObject, ObjectInput } from '../api/index.ts';
import { ApiError, hasSubresource, notFound, parseLabelSelector } from '../api/index.ts';
import type { ResourceRequest } from './request-info.ts';
import { decodeObjectBody, decodePatchBody, readBody } from './body.ts';
import { sendJson } from './responses.ts';
import { isConvertedVersion, requestedApiVersion, toStoredVersion, withRequestedVersion } from './versions.ts';
import { patchConvertedObject } from './converted-patch.ts';
import { serveWatch } from './watch.ts';
import { handleScale } from './scale.ts';
import { handleLog } from './log.ts';
import { handleEviction } from './eviction.ts';
import type { PodLogSource } from './log.ts';
import { patchWithManager } from './managed-patch.ts';
import { enforceFieldValidation, fieldValidationParam } from './field-validation.ts';
import { dryRunCreate, dryRunDelete, dryRunPatch, dryRunUpdate, isDryRun } from './dry-run.ts';
import { recordUpdateManager } from '../registry/patch/index.ts';
import { includeObjectParam, renderTable, wantsTable } from './table.ts';

export interface HandlerContext {
  client: Client;
  clock: Clock;
  podLogs?: PodLogSource;
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  request: ResourceRequest;
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ApiError('BadRequest', `apiserver: query parameter ${name}=${JSON.stringify(raw)} must be a non-negative integer`);
  return n;
}

function boolParam(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  return raw === 'true' || raw === '1';
}

function label(request: ResourceRequest): string {
  return request.type.group ? `${request.type.plural}.${request.type.group}` : request.type.plural;
}

async function getObject(ctx: HandlerContext): Promise<KubeObject> {
  const { request } = ctx;
  const obj = await ctx.client.get(request.type, request.namespace, request.name!);
  if (!obj) throw notFound(request.type.plural, request.name!, request.type.group);
  return obj;
}

function checkBodyIdentity(ctx: HandlerContext, body: unknown): ObjectInput {
  const { request } = ctx;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('BadRequest', 'apiserver: request body must be a JSON object');
  const sent = body as ObjectInput;
  if (sent.kind !== undefined && sent.kind !== request.type.kind) {
    throw new ApiError('BadRequest', `apiserver: the kind ${JSON.stringify(sent.kind)} in the body does not match ${request.type.kind} for ${label(request)}`);
  }
  const obj = toStoredVersion(sent, request);
  if (obj.kind !== undefined && obj.kind !== request.type.kind) {
    throw new ApiError('BadRequest', `apiserver: the kind ${JSON.stringify(obj.kind)} in the body does not match ${request.type.kind} for ${label(request)}`);
  }
  const meta = obj.metadata;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    throw new ApiError('BadRequest', 'apiserver: request body is missing metadata');
  }
  if (request.type.namespaced) {
    if (meta.namespace && request.namespace && meta.namespace !== request.namespace) {
      throw new ApiError('BadRequest', 'apiserver: the namespace of the provided object does not match the namespace sent on the request');
    }
    if (!request.namespace && !meta.namespace) throw new ApiError('BadRequest', `apiserver: ${label(request)} must be created in a namespace`);
  }
  const out: ObjectInput = {
    ...obj,
    apiVersion: requestedApiVersion(request.type, request.type.version),
    kind: request.type.kind,
    metadata: { ...meta, ...(request.type.namespaced ? { namespace: meta.namespace || request.namespace } : {}) },
  };
  if (!request.type.namespaced) delete out.metadata.namespace;
  return out;
}

function validatedFields<T extends object>(ctx: HandlerContext, body: T): T {
  return enforceFieldValidation(ctx.res, ctx.request.type, ctx.request.version, body, fieldValidationParam(ctx.query), ctx.request.custom);
}

/** Records the request's fieldManager as owner of the fields it sets (managedFields, operation Update). */
function withManager(ctx: HandlerContext, before: KubeObject | undefined, obj: ObjectInput): ObjectInput {
  const manager = ctx.query.get('fieldManager');
  if (!manager) return obj;
  if (manager.length > 128) throw new ApiError('BadRequest', 'apiserver: fieldManager must be at most 128 characters');
  const time = new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return recordUpdateManager(ctx.request.type, before, obj, manager, time);
}

function deleteOptionsFrom(query: URLSearchParams, body: unknown): DeleteOptions {
  const b = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const propagation = query.get('propagationPolicy') ?? (b['propagationPolicy'] as string | undefined);
  if (propagation !== undefined && !['Orphan', 'Background', 'Foreground'].includes(propagation)) {
    throw new ApiError('BadRequest', `apiserver: propagationPolicy ${JSON.stringify(propagation)} must be Orphan, Background or Foreground`);
  }
  const options: DeleteOptions = {};
  if (propagation) options.propagationPolicy = propagation as DeleteOptions['propagationPolicy'];
  if (b['orphanDependents'] === true && !propagation) options.propagationPolicy = 'Orphan';
  const grace = intParam(query, 'gracePeriodSeconds') ?? (typeof b['gracePeriodSeconds'] === 'number' ? b['gracePeriodSeconds'] : undefined);
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  const pre = b['preconditions'] as { resourceVersion?: string } | undefined;
  if (pre?.resourceVersion) options.resourceVersion = pre.resourceVersion;
  return options;
}

async function readDeleteBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  const text = raw.toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError('BadRequest', `apiserver: DeleteOptions body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Watch events in Table form: each event's object is a one-row Table (kubectl get -w). */
function tableEvents(ctx: HandlerContext): (event: { type: string; object: KubeObject }) => unknown {
  const include = includeObjectParam(ctx.query);
  return (event) =>
    event.type === 'BOOKMARK' || event.type === 'ERROR'
      ? event
      : { type: event.type, object: renderTable(ctx.request, [event.object], { include, now: ctx.clock.now() }) };
}

function listKind(ctx: HandlerContext): string {
  return `${ctx.request.type.kind}List`;
}

async function handleCollection(ctx: HandlerContext): Promise<void> {
  const { req, res, query, request, client } = ctx;
  const selectors = {
    namespace: request.namespace,
    labelSelector: query.get('labelSelector') || undefined,
    fieldSelector: query.get('fieldSelector') || undefined,
  };
  switch (req.method) {
    case 'GET': {
      if (boolParam(query, 'watch')) {
        // A bad selector is a 400 before the stream starts, not an ERROR event inside it.
        if (selectors.labelSelector) parseLabelSelector(selectors.labelSelector);
        const resourceVersion = query.get('resourceVersion') || undefined;
        await serveWatch(req, res, client, request, {
          options: { ...selectors, resourceVersion: resourceVersion === '0' ? undefined : resourceVersion, allowBookmarks: boolParam(query, 'allowWatchBookmarks') },
          timeoutSeconds: intParam(query, 'timeoutSeconds'),
          convert: wantsTable(req) ? tableEvents(ctx) : undefined,
        });
        return;
      }
      const list = await client.list(request.type, { ...selectors, limit: intParam(query, 'limit'), continue: query.get('continue') || undefined });
      const items = list.items.map((item) => withRequestedVersion(item, request));
      if (wantsTable(req)) {
        const table = renderTable(request, items, { include: includeObjectParam(query), now: ctx.clock.now(), resourceVersion: list.metadata.resourceVersion, continue: list.metadata.continue });
        sendJson(res, 200, table);
        return;
      }
      sendJson(res, 200, { kind: listKind(ctx), apiVersion: requestedApiVersion(request.type, request.version), metadata: list.metadata, items });
      return;
    }
    case 'POST': {
      const obj = withManager(ctx, undefined, validatedFields(ctx, checkBodyIdentity(ctx, decodeObjectBody(req, await readBody(req)))));
      const created = isDryRun(query) ? await dryRunCreate(client, request.type, obj) : await client.create(request.type, obj);
      sendJson(res, 201, withRequestedVersion(created, request));
      return;
    }
    case 'DELETE': {
      const options = deleteOptionsFrom(query, await readDeleteBody(req));
      const list = await client.list(request.type, selectors);
      const deleted: KubeObject[] = [];
      for (const item of list.items) {
        try {
          deleted.push(await client.delete(request.type, item.metadata.namespace, item.metadata.name, options));
        } catch (err) {
          if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
        }
      }
      sendJson(res, 200, { kind: listKind(ctx), apiVersion: requestedApiVersion(request.type, request.version), metadata: list.metadata, items: deleted.map((d) => withRequestedVersion(d, request)) });
      return;
    }
    default:
      throw new ApiError('MethodNotAllowed', `apiserver: ${req.method} is not supported on the ${label(request)} collection`);
  }
}

async function handleObject(ctx: HandlerContext): Promise<void> {
  const { req, res, query, request, client } = ctx;
  const name = request.name!;
  switch (req.method) {
    case 'GET': {
      if (boolParam(query, 'watch')) {
        await serveWatch(req, res, client, request, {
          options: { namespace: request.namespace, fieldSelector: `metadata.name=${name}`, resourceVersion: query.get('resourceVersion') || undefined, allowBookmarks: boolParam(query, 'allowWatchBookmarks') },
          timeoutSeconds: intParam(query, 'timeoutSeconds'),
          name,
        });
        return;
      }
      const obj = withRequestedVersion(await getObject(ctx), request);
      sendJson(res, 200, wantsTable(req) ? renderTable(request, [obj], { include: includeObjectParam(query), now: ctx.clock.now() }) : obj);
      return;
    }
    case 'PUT': {
      const identified = checkBodyIdentity(ctx, decodeObjectBody(req, await readBody(req)));
      const obj = request.subresource ? identified : validatedFields(ctx, identified);
      if (obj.metadata.name !== name) {
        throw new ApiError('BadRequest', `apiserver: the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
      }
      let updated: ObjectInput;
      if (request.subresource === 'status') updated = await client.updateStatus(request.type, obj);
      else if (isDryRun(query)) updated = await dryRunUpdate(client, request.type, obj);
      else {
        const before = query.get('fieldManager') ? await client.get(request.type, request.namespace, name) : undefined;
        updated = await client.update(request.type, withManager(ctx, before, obj));
      }
      sendJson(res, 200, withRequestedVersion(updated, request));
      return;
    }
    case 'PATCH': {
      if (isConvertedVersion(request)) {
        sendJson(res, 200, await patchConvertedObject(ctx, decodePatchBody(req, await readBody(req))));
        return;
      }
      const decoded = decodePatchBody(req, await readBody(req));
      const patchType = decoded.patchType;
      const patch = patchType === 'json' || request.subresource || decoded.patch === null || typeof decoded.patch !== 'object' ? decoded.patch : validatedFields(ctx, decoded.patch);
      const fieldManager = query.get('fieldManager') || undefined;
      const subresource = request.subresource === 'status' ? 'status' : undefined;
      const patchOptions = { fieldManager, force: boolParam(query, 'force') };
      let patched: ObjectInput;
      if (isDryRun(query) && !subresource) patched = await dryRunPatch(client, request.type, request.namespace, name, patchType, patch, patchOptions);
      else if (fieldManager && patchType !== 'apply' && !subresource) {
        patched = await patchWithManager(client, request.type, request.namespace, name, patchType, patch, fieldManager, () => ctx.clock.now());
      } else patched = await client.patch(request.type, request.namespace, name, patchType, patch, { ...patchOptions, subresource });
      sendJson(res, 200, withRequestedVersion(patched, request));
      return;
    }
    case 'DELETE': {
      if (request.subresource) break;
      const options = deleteOptionsFrom(query, await readDeleteBody(req));
      const deleted = isDryRun(query) ? await dryRunDelete(client, request.type, request.namespace, name) : await client.delete(request.type, request.namespace, name, options);
      sendJson(res, 200, withRequestedVersion(deleted, request));
      return;
    }
  }
  throw new ApiError('MethodNotAllowed', `apiserver: ${req.method} is not supported on ${label(request)}${request.subresource ? `/${request.subresource}` : ''}`);
}

async function handleBinding(ctx: HandlerContext): Promise<void> {
  if (ctx.req.method !== 'POST') throw new ApiError('MethodNotAllowed', 'apiserver: only POST is supported on pods/binding');
  const body = decodeObjectBody(ctx.req, await readBody(ctx.req)) as { target?: { name?: string } } | null;
  const node = body?.target?.name;
  if (!node) throw new ApiError('BadRequest', 'apiserver: a Binding needs target.name (the node)');
  const { request } = ctx;
  await ctx.client.patch(request.type, request.namespace, request.name!, 'merge', { spec: { nodeName: node } });
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

const STREAMING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers']);

export async function handleResource(ctx: HandlerContext): Promise<void> {
  const { request } = ctx;
  if (request.type.namespaced && request.name !== undefined && request.namespace === undefined) {
    throw notFound(request.type.plural, request.name, request.type.group);
  }
  if (request.name === undefined) return handleCollection(ctx);
  const sub = request.subresource;
  if (sub === 'finalize' && request.type.kind === 'Namespace') {
    // The namespace controller's finalize call: a plain update of spec.finalizers.
    return handleObject({ ...ctx, request: { ...request, subresource: undefined } });
  }
  if (sub === undefined || sub === 'status') {
    if (sub === 'status' && !request.type.subresources.includes('status')) throw notFound(`${request.type.plural}/status`, request.name, request.type.group);
    return handleObject(ctx);
  }
  if (STREAMING_SUBRESOURCES.has(sub)) {
    throw new ApiError('MethodNotAllowed', `apiserver: ${request.type.plural}/${sub} is not supported by meshlet (pod processes have no interactive streams); use kubectl logs, or reach the pod IP directly`);
  }
  if (!hasSubresource(request.type, sub)) throw notFound(`${request.type.plural}/${sub}`, request.name, request.type.group);
  if (sub === 'scale') return handleScale(ctx);
  if (sub === 'log') return handleLog(ctx);
  if (sub === 'binding') return handleBinding(ctx);
  if (sub === 'eviction') return handleEviction(ctx);
  throw notFound(`${request.type.plural}/${sub}`, request.name, request.type.group);
}
