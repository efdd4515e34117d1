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
  KubeObject,
  ListOptions,
  ObjectInput,
  ObjectList,
  PatchType,
  ResourceType,
  Store,
  WatchEvent,
  WatchOptions,
  Watcher,
} from '../api/index.ts';
import { applyDefaults, validateObject, validateUpdate } from './validation/index.ts';
import { applyPatch } from './patch/index.ts';
import { compileFilter, isEmptyFilter, matchesFilter } from './selectors.ts';
import { decodeContinue, encodeContinue } from './continue-token.ts';
import { deepClone, newUid, randomNameSuffix, specPart } from './object-meta.ts';
import { stripVersion, toObject } from './stored-object.ts';
import type { StoredObject } from './stored-object.ts';
import { alreadyExists, checkKind, conflict, requireName, storeFailure } from './registry-errors.ts';
import { keepClusterIp, namespaceFinalizers, scaleOf } from './kind-rules.ts';
import { watchObjects } from './registry-watch.ts';

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
      const causes = validateUpdate(type, next, current);
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
    return watchObjects(this.store, this.clock, this.bookmarkIntervalMs, type, options, onEvent, onError);
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
