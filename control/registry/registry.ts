// The registry: Kubernetes object semantics over an etcd-like Store.
//
// It is the in-process `Client` every component uses, and the API server is
// its HTTP face. It owns what the real API server's registry owns: identity
// (uid, resourceVersion = the store's modRevision, generation, timestamps),
// defaulting + validation at the edge, compare-and-swap updates, status kept
// apart from spec, finalizers and graceful deletion, and ClusterIP allocation.

import {
  ApiError,
  NAMESPACES,
  PODS,
  SERVICES,
  isStoreError,
  namespacePrefix,
  notFound,
  invalid,
  objectKey,
  systemClock,
  apiVersionOf,
} from '../api/index.ts';
import type {
  Client,
  Clock,
  DeleteOptions,
  KeyValue,
  KubeObject,
  ListOptions,
  ObjectInput,
  ObjectList,
  PatchType,
  ResourceType,
  Store,
  StoreEvent,
  WatchEvent,
  WatchOptions,
  Watcher,
} from '../api/index.ts';
import { applyDefaults, validateObject } from './validation/index.ts';
import { applyPatch } from './patch/index.ts';
import { compileFilter, isEmptyFilter, matchesFilter } from './selectors.ts';
import type { ObjectFilter } from './selectors.ts';
import { decodeContinue, encodeContinue } from './continue-token.ts';
import { deepClone, newUid, randomNameSuffix, specPart } from './object-meta.ts';

/** Allocates Service ClusterIPs (overlay/ipam's ServiceIpAllocator fits). */
export interface ClusterIpAllocator {
  /** `serviceName` names the Service in errors (422 on a taken or out-of-range IP). */
  allocate(requested?: string, serviceName?: string): Promise<string>;
  release(ip: string): Promise<void>;
}

export interface RegistryOptions {
  store: Store;
  clock?: Clock;
  serviceIps?: ClusterIpAllocator;
  /** How often watches with allowBookmarks get a BOOKMARK. Default 10 s. */
  bookmarkIntervalMs?: number;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'istio-system'] as const;

const MAX_CAS_RETRIES = 8;

/** Stored values carry everything but resourceVersion, which is the store's modRevision. */
type StoredObject = Omit<KubeObject, 'metadata'> & { metadata: Omit<KubeObject['metadata'], 'resourceVersion'> };

export class Registry implements Client {
  readonly store: Store;
  private readonly clock: Clock;
  private readonly serviceIps: ClusterIpAllocator | undefined;
  private readonly bookmarkIntervalMs: number;

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.serviceIps = options.serviceIps;
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 10_000;
  }

  /** Creates the namespaces every cluster starts with (idempotent). */
  async ensureNamespaces(names: readonly string[] = SYSTEM_NAMESPACES): Promise<void> {
    for (const name of names) {
      if (await this.get(NAMESPACES, undefined, name)) continue;
      try {
        await this.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
      }
    }
  }

  async get<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined> {
    const kv = await this.store.get<StoredObject>(objectKey(type, namespace, name));
    return kv ? toObject<T>(kv) : undefined;
  }

  async list<T extends KubeObject = KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<ObjectList<T>> {
    const filter = compileFilter(options.labelSelector, options.fieldSelector);
    const prefix = namespacePrefix(type, options.namespace);
    const resumed = options.continue ? decodeContinue(options.continue) : undefined;
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const range = await this.store.range<StoredObject>(prefix, {
      startAfter: resumed?.startAfter,
      limit: isEmptyFilter(filter) ? limit : 0,
    });
    const revision = resumed?.revision ?? range.revision;
    let items = range.kvs.map((kv) => toObject<T>(kv)).filter((o) => matchesFilter(o, filter));
    let more = range.more;
    let remaining = range.count - range.kvs.length;
    if (limit && items.length > limit) {
      remaining = items.length - limit;
      items = items.slice(0, limit);
      more = true;
    }
    const lastKey = items.length ? objectKey(type, items[items.length - 1]!.metadata.namespace, items[items.length - 1]!.metadata.name) : '';
    return {
      items,
      metadata: {
        resourceVersion: String(revision),
        ...(more && lastKey ? { continue: encodeContinue({ revision, startAfter: lastKey }), remainingItemCount: Math.max(remaining, 0) } : {}),
      },
    };
  }

  async create<T extends KubeObject = KubeObject>(type: ResourceType, input: ObjectInput): Promise<T> {
    checkKind(type, input);
    const namespace = type.namespaced ? (input.metadata.namespace ?? 'default') : undefined;
    if (namespace !== undefined) await this.requireActiveNamespace(namespace);
    const base = deepClone(input);
    base.apiVersion = apiVersionOf(type);
    base.metadata = { ...base.metadata, namespace };
    if (!type.namespaced) delete base.metadata.namespace;
    if (!base.metadata.name && !base.metadata.generateName) {
      throw invalid(type.kind, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'name or generateName is required' }], type.group);
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const obj = deepClone(base);
      if (!obj.metadata.name) obj.metadata.name = `${obj.metadata.generateName}${randomNameSuffix()}`;
      const prepared = this.prepareNew(type, obj);
      const allocatedIp = await this.allocateServiceIp(type, prepared);
      try {
        const kv = await this.store.create<StoredObject>(objectKey(type, namespace, prepared.metadata.name), prepared);
        return toObject<T>(kv);
      } catch (err) {
        if (allocatedIp) await this.serviceIps?.release(allocatedIp);
        if (isStoreError(err, 'AlreadyExists')) {
          if (input.metadata.name) throw alreadyExists(type, input.metadata.name);
          continue; // generated name collided: pick another suffix
        }
        throw storeFailure(err);
      }
    }
    throw new ApiError('AlreadyExists', `control/registry: could not generate a unique name for ${type.kind} "${input.metadata.generateName}"`);
  }

  async update<T extends KubeObject = KubeObject>(type: ResourceType, input: ObjectInput): Promise<T> {
    checkKind(type, input);
    const name = requireName(type, input);
    return this.guaranteedUpdate<T>(type, input.metadata.namespace, name, input.metadata.resourceVersion, (current) => {
      const next = applyDefaults(type, deepClone({ ...input, apiVersion: apiVersionOf(type) }));
      next.metadata = {
        ...next.metadata,
        name: current.metadata.name,
        namespace: current.metadata.namespace,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        deletionTimestamp: current.metadata.deletionTimestamp,
        deletionGracePeriodSeconds: current.metadata.deletionGracePeriodSeconds,
        generation: current.metadata.generation,
      };
      if (type.subresources.includes('status')) next.status = current.status;
      if (type === SERVICES) keepClusterIp(current, next);
      const causes = validateObject(type, next);
      if (causes.length) throw invalid(type.kind, name, causes, type.group);
      if (specPart(next) !== specPart(current)) next.metadata.generation = (current.metadata.generation ?? 1) + 1;
      return next;
    });
  }

  async updateStatus<T extends KubeObject = KubeObject>(type: ResourceType, input: ObjectInput): Promise<T> {
    checkKind(type, input);
    const name = requireName(type, input);
    return this.guaranteedUpdate<T>(type, input.metadata.namespace, name, input.metadata.resourceVersion, (current) => {
      const next = deepClone(current) as ObjectInput;
      next.status = deepClone(input.status);
      return next;
    });
  }

  async patch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: { fieldManager?: string; force?: boolean; subresource?: 'status' | 'scale' } = {},
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(type, namespace, name);
      if (!current) {
        if (patchType === 'apply' && !options.subresource) {
          const created = applyPatch(type, undefined, patchType, patch, options);
          created.metadata = { ...created.metadata, name, ...(type.namespaced ? { namespace: namespace ?? 'default' } : {}) };
          return this.create<T>(type, created);
        }
        throw notFound(type.plural, name, type.group);
      }
      try {
        if (options.subresource === 'scale') {
          const scale = scaleOf(current);
          const patchedScale = applyPatch(type, scale as unknown as KubeObject, patchType, patch, options) as unknown as { spec?: { replicas?: number } };
          const replicas = patchedScale.spec?.replicas;
          const next = deepClone(current) as ObjectInput;
          next.spec = { ...(current.spec as object), replicas };
          return await this.update<T>(type, next);
        }
        const patched = applyPatch(type, current, patchType, patch, options);
        patched.metadata = { ...patched.metadata, resourceVersion: current.metadata.resourceVersion };
        if (options.subresource === 'status') return await this.updateStatus<T>(type, patched);
        return await this.update<T>(type, patched);
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'Conflict' && attempt < MAX_CAS_RETRIES && patchType !== 'apply') continue;
        throw err;
      }
    }
  }

  async delete<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get<StoredObject>(objectKey(type, namespace, name));
      if (!kv) throw notFound(type.plural, name, type.group);
      const current = toObject<KubeObject>(kv);
      if (options.resourceVersion && options.resourceVersion !== current.metadata.resourceVersion) throw conflict(type, name);
      const next = deepClone(current);
      const finalizers = new Set(next.metadata.finalizers ?? []);
      if (options.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
      if (options.propagationPolicy === 'Orphan') finalizers.add('orphan');
      if (type === NAMESPACES) {
        next.status = { ...(next.status as object), phase: 'Terminating' };
      }
      const gracefulPod =
        type === PODS && Boolean((current.spec as { nodeName?: string } | undefined)?.nodeName) && options.gracePeriodSeconds !== 0;
      const blocked = finalizers.size > 0 || namespaceFinalizers(next).length > 0 || gracefulPod;
      try {
        if (blocked) {
          if (current.metadata.deletionTimestamp && finalizers.size === (current.metadata.finalizers ?? []).length) return current as T;
          next.metadata.finalizers = [...finalizers];
          next.metadata.deletionTimestamp = current.metadata.deletionTimestamp ?? new Date(this.clock.now()).toISOString();
          if (gracefulPod) {
            next.metadata.deletionGracePeriodSeconds =
              options.gracePeriodSeconds ?? (current.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? 30;
          }
          const written = await this.store.update<StoredObject>(kv.key, stripVersion(next), { expectedModRevision: kv.modRevision });
          return toObject<T>(written);
        }
        const deleted = await this.store.delete<StoredObject>(kv.key, { expectedModRevision: kv.modRevision });
        await this.releaseServiceIp(type, current);
        return toObject<T>(deleted);
      } catch (err) {
        if (isStoreError(err, 'Conflict') && attempt < MAX_CAS_RETRIES) continue;
        if (isStoreError(err, 'NotFound')) throw notFound(type.plural, name, type.group);
        throw storeFailure(err);
      }
    }
  }

  watch<T extends KubeObject = KubeObject>(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
    onError?: (err: Error) => void,
  ): Watcher {
    let filter: ObjectFilter;
    try {
      filter = compileFilter(options.labelSelector, options.fieldSelector);
    } catch (err) {
      queueMicrotask(() => onError?.(err as Error));
      return { close() {} };
    }
    const prefix = namespacePrefix(type, options.namespace);
    const rv = options.resourceVersion;
    let closed = false;
    let lastRevision = 0;
    let storeWatch: { close(): void } | undefined;
    let bookmarkTimer: { cancel(): void } | undefined;

    const emit = (event: WatchEvent<T>): void => {
      if (!closed) onEvent(event);
    };
    const scheduleBookmark = (): void => {
      if (!options.allowBookmarks || closed) return;
      bookmarkTimer = this.clock.setTimer(this.bookmarkIntervalMs, () => {
        if (closed) return;
        emit({
          type: 'BOOKMARK',
          object: { apiVersion: apiVersionOf(type), kind: type.kind, metadata: { resourceVersion: String(lastRevision) } } as T,
        });
        scheduleBookmark();
      });
    };
    const startFrom = (afterRevision: number): void => {
      lastRevision = afterRevision;
      storeWatch = this.store.watch<StoredObject>(
        prefix,
        { afterRevision },
        (event) => {
          lastRevision = event.revision;
          const translated = translateEvent<T>(event, filter);
          if (translated) emit(translated);
        },
        (err) => {
          if (closed) return;
          closed = true;
          bookmarkTimer?.cancel();
          const compacted = err.kind === 'Compacted';
          onError?.(
            compacted
              ? new ApiError('Expired', `too old resource version: ${afterRevision}`, undefined, { cause: err })
              : new ApiError('InternalError', String(err.message), undefined, { cause: err }),
          );
        },
      );
      scheduleBookmark();
    };

    if (rv === undefined || rv === '' || rv === '0') {
      // "Start at most recent": synthetic ADDED events for what exists, then changes.
      void this.store
        .range<StoredObject>(prefix)
        .then((range) => {
          if (closed) return;
          for (const kv of range.kvs) {
            const obj = toObject<T>(kv);
            if (matchesFilter(obj, filter)) emit({ type: 'ADDED', object: obj });
          }
          startFrom(range.revision);
        })
        .catch((err: unknown) => onError?.(storeFailure(err)));
    } else {
      const after = Number(rv);
      if (!Number.isInteger(after) || after < 0) {
        queueMicrotask(() => onError?.(new ApiError('BadRequest', `invalid resourceVersion "${rv}"`)));
        return { close() {} };
      }
      startFrom(after);
    }
    return {
      close: () => {
        closed = true;
        bookmarkTimer?.cancel();
        storeWatch?.close();
      },
    };
  }

  // --- internals -----------------------------------------------------------

  private prepareNew(type: ResourceType, obj: ObjectInput): StoredObject {
    const defaulted = applyDefaults(type, obj);
    const causes = validateObject(type, defaulted);
    if (causes.length) throw invalid(type.kind, defaulted.metadata.name ?? '', causes, type.group);
    const now = new Date(this.clock.now()).toISOString();
    const metadata = {
      ...defaulted.metadata,
      name: defaulted.metadata.name!,
      uid: newUid(),
      creationTimestamp: now,
      generation: 1,
    };
    delete (metadata as { resourceVersion?: string }).resourceVersion;
    delete metadata.deletionTimestamp;
    const stored = { ...defaulted, metadata } as StoredObject;
    if (type === PODS) stored.status = { ...(stored.status as object | undefined), phase: (stored.status as { phase?: string } | undefined)?.phase ?? 'Pending' };
    if (type === NAMESPACES) {
      const spec = (stored.spec ?? {}) as { finalizers?: string[] };
      stored.spec = { ...spec, finalizers: spec.finalizers ?? ['kubernetes'] };
      stored.status = { phase: 'Active' };
    }
    return stored;
  }

  private async guaranteedUpdate<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    expectedResourceVersion: string | undefined,
    mutate: (current: KubeObject) => ObjectInput,
  ): Promise<T> {
    const key = objectKey(type, type.namespaced ? (namespace ?? 'default') : undefined, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get<StoredObject>(key);
      if (!kv) throw notFound(type.plural, name, type.group);
      const current = toObject<KubeObject>(kv);
      if (expectedResourceVersion && expectedResourceVersion !== current.metadata.resourceVersion) throw conflict(type, name);
      const next = mutate(current) as KubeObject;
      try {
        if (current.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && namespaceFinalizers(next).length === 0) {
          const gracefulPodPending = type === PODS && (current.metadata.deletionGracePeriodSeconds ?? 0) > 0;
          if (!gracefulPodPending) {
            const deleted = await this.store.delete<StoredObject>(key, { expectedModRevision: kv.modRevision });
            await this.releaseServiceIp(type, current);
            return toObject<T>({ ...deleted, value: stripVersion(next) });
          }
        }
        const written = await this.store.update<StoredObject>(key, stripVersion(next), { expectedModRevision: kv.modRevision });
        return toObject<T>(written);
      } catch (err) {
        if (isStoreError(err, 'Conflict') && !expectedResourceVersion && attempt < MAX_CAS_RETRIES) continue;
        if (isStoreError(err, 'Conflict')) throw conflict(type, name);
        if (isStoreError(err, 'NotFound')) throw notFound(type.plural, name, type.group);
        throw storeFailure(err);
      }
    }
  }

  private async requireActiveNamespace(namespace: string): Promise<void> {
    const ns = await this.get(NAMESPACES, undefined, namespace);
    if (!ns) throw notFound('namespaces', namespace);
    if (ns.metadata.deletionTimestamp) {
      throw new ApiError('Forbidden', `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  private async allocateServiceIp(type: ResourceType, obj: StoredObject): Promise<string | undefined> {
    if (type !== SERVICES || !this.serviceIps) return undefined;
    const spec = (obj.spec ?? {}) as { type?: string; clusterIP?: string; clusterIPs?: string[] };
    if (spec.type === 'ExternalName' || spec.clusterIP === 'None') return undefined;
    const ip = await this.serviceIps.allocate(spec.clusterIP || undefined, obj.metadata.name);
    obj.spec = { ...spec, clusterIP: ip, clusterIPs: [ip] };
    return ip;
  }

  private async releaseServiceIp(type: ResourceType, obj: KubeObject): Promise<void> {
    if (type !== SERVICES || !this.serviceIps) return;
    const ip = (obj.spec as { clusterIP?: string } | undefined)?.clusterIP;
    if (ip && ip !== 'None') await this.serviceIps.release(ip);
  }
}

export function createRegistry(options: RegistryOptions): Registry {
  return new Registry(options);
}

/** Stores hand out freshly parsed values on every read and event, so no copy is needed here. */
function toObject<T extends KubeObject>(kv: KeyValue<StoredObject>): T {
  const value = kv.value;
  return { ...value, metadata: { ...value.metadata, resourceVersion: String(kv.modRevision) } } as unknown as T;
}

function stripVersion(obj: ObjectInput | KubeObject): StoredObject {
  const copy = deepClone(obj) as KubeObject;
  delete (copy.metadata as { resourceVersion?: string }).resourceVersion;
  return copy as StoredObject;
}

function translateEvent<T extends KubeObject>(event: StoreEvent<StoredObject>, filter: ObjectFilter): WatchEvent<T> | undefined {
  if (event.type === 'delete') {
    const obj = toObject<T>({ ...event.kv, modRevision: event.revision });
    return matchesFilter(obj, filter) ? { type: 'DELETED', object: obj } : undefined;
  }
  const obj = toObject<T>(event.kv);
  const now = matchesFilter(obj, filter);
  const isNew = event.kv.version === 1 || event.kv.createRevision === event.kv.modRevision;
  if (isNew) return now ? { type: 'ADDED', object: obj } : undefined;
  const before = event.prevKv ? matchesFilter(toObject<T>(event.prevKv), filter) : now;
  if (now && before) return { type: 'MODIFIED', object: obj };
  if (now) return { type: 'ADDED', object: obj };
  if (before) return { type: 'DELETED', object: obj };
  return undefined;
}

function namespaceFinalizers(obj: ObjectInput | KubeObject): string[] {
  if (obj.kind !== 'Namespace') return [];
  return ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter(Boolean);
}

function keepClusterIp(current: KubeObject, next: ObjectInput): void {
  const cur = (current.spec ?? {}) as { clusterIP?: string; clusterIPs?: string[] };
  const spec = (next.spec ?? {}) as { clusterIP?: string; clusterIPs?: string[] };
  if (spec.clusterIP && cur.clusterIP && spec.clusterIP !== cur.clusterIP) {
    throw invalid('Service', next.metadata.name ?? '', [
      { field: 'spec.clusterIP', reason: 'FieldValueInvalid', message: `field is immutable (was ${cur.clusterIP})` },
    ]);
  }
  next.spec = { ...spec, ...(cur.clusterIP ? { clusterIP: cur.clusterIP, clusterIPs: cur.clusterIPs ?? [cur.clusterIP] } : {}) };
}

function scaleOf(obj: KubeObject): Record<string, unknown> {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (obj.status ?? {}) as { replicas?: number };
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { ...obj.metadata },
    spec: { replicas: spec.replicas ?? 1 },
    status: {
      replicas: status.replicas ?? 0,
      selector: Object.entries(spec.selector?.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

function checkKind(type: ResourceType, input: ObjectInput): void {
  if (!input || typeof input !== 'object' || !input.metadata || typeof input.metadata !== 'object') {
    throw new ApiError('BadRequest', `control/registry: ${type.kind} object must have metadata`);
  }
  if (input.kind && input.kind !== type.kind) {
    throw new ApiError('BadRequest', `the kind "${input.kind}" does not match the resource ${type.plural} (kind ${type.kind})`);
  }
}

function requireName(type: ResourceType, input: ObjectInput): string {
  const name = input.metadata.name;
  if (!name) throw invalid(type.kind, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value' }], type.group);
  return name;
}

function alreadyExists(type: ResourceType, name: string): ApiError {
  const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
  return new ApiError('AlreadyExists', `${resource} "${name}" already exists`, { name, group: type.group, kind: type.plural });
}

function conflict(type: ResourceType, name: string): ApiError {
  const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
  return new ApiError(
    'Conflict',
    `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: type.group, kind: type.plural },
  );
}

function storeFailure(err: unknown): Error {
  if (err instanceof ApiError) return err;
  if (isStoreError(err, 'Unavailable')) return new ApiError('ServiceUnavailable', err.message, undefined, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}
