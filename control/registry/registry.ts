// The registry: Kubernetes object semantics over an etcd-like Store.
//
// It is the in-process `Client` every component uses, and the API server is
// its HTTP face. It owns what the real API server's registry owns: identity
// (uid, resourceVersion = the store's modRevision, generation, timestamps),
// defaulting + validation at the edge, compare-and-swap updates, status kept
// apart from spec, finalizers and graceful deletion, and ClusterIP and nodePort
// allocation (service-allocations.ts).

import {
  ApiError,
  NAMESPACES,
  JOBS,
  PERSISTENT_VOLUME_CLAIMS,
  STATEFUL_SETS,
  DAEMON_SETS,
  PODS,
  PRIORITY_CLASSES,
  SERVICES,
  isStoreError,
  namespacePrefix,
  notFound,
  invalid,
  objectKey,
  systemClock,
  apiVersionOf,
  CUSTOM_RESOURCE_DEFINITIONS,
  CRD_CLEANUP_FINALIZER,
  KindCatalog,
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
  PodSpec,
  ResourceType,
  Store,
  WatchEvent,
  WatchOptions,
  Watcher,
} from '../api/index.ts';
import { applyDefaults, defaultCustomResource, validateObject, validateUpdate } from './validation/index.ts';
import { applyPatch } from './patch/index.ts';
import { compileFilter, isEmptyFilter, matchesFilter } from './selectors.ts';
import { decodeContinue, encodeContinue } from './continue-token.ts';
import { deepClone, newUid, randomNameSuffix, specPart, withStatus } from './object-meta.ts';
import { stripVersion, toObject } from './stored-object.ts';
import type { StoredObject } from './stored-object.ts';
import { alreadyExists, checkKind, conflict, invalidCustomResource, requireName, requireResourceVersion, storeFailure } from './registry-errors.ts';
import { generateJobSelector, keepClusterIp, keepJobSelector, namespaceFinalizers, scaleOf } from './kind-rules.ts';
import { advanceTemplateGeneration, initTemplateGeneration } from './daemonset-template-generation.ts';
import { watchObjects } from './registry-watch.ts';
import { checkStatefulSetUpdate } from './statefulset-update.ts';
import { ServiceAllocations, keepNodePorts } from './service-allocations.ts';
import type { AllocationHandle, ClusterIpAllocator, NodePortAllocator } from './service-allocations.ts';
import { addDefaultTolerations } from './default-toleration-seconds.ts';
import { admitClaimStorageClass } from './default-storage-class.ts';
import { addProtectionFinalizer } from './storage-protection.ts';
import { admitPriorityOnCreate, admitPriorityOnUpdate, keepPriorityClassValue } from './priority-admission.ts';
import { admitMutating, admitValidating } from './admission/index.ts';

export type { ClusterIpAllocator, NodePortAllocator } from './service-allocations.ts';

export interface RegistryOptions {
  store: Store;
  clock?: Clock;
  serviceIps?: ClusterIpAllocator;
  /** Allocates nodePorts of NodePort/LoadBalancer Services; absent → nodePorts are stored as given. */
  nodePorts?: NodePortAllocator;
  /** How often watches with allowBookmarks get a BOOKMARK. Default 10 s. */
  bookmarkIntervalMs?: number;
  /** The kinds served, CRD-defined ones included (their schemas validate their objects). Default: the built-ins. */
  kinds?: KindCatalog;
}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'istio-system'] as const;

export class Registry implements Client {
  readonly store: Store;
  readonly kinds: KindCatalog;
  private readonly clock: Clock;
  private readonly serviceAllocations: ServiceAllocations;
  private readonly bookmarkIntervalMs: number;

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.kinds = options.kinds ?? new KindCatalog();
    this.clock = options.clock ?? systemClock;
    this.serviceAllocations = new ServiceAllocations(options.serviceIps, options.nodePorts);
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

  async get<T extends KubeObject = KubeObject>(type: ResourceType<T>, namespace: string | undefined, name: string): Promise<T | undefined> {
    const kv = await this.store.get<StoredObject>(objectKey(type, namespace, name));
    return kv ? toObject<T>(kv) : undefined;
  }

  async list<T extends KubeObject = KubeObject>(type: ResourceType<T>, options: ListOptions = {}): Promise<ObjectList<T>> {
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

  async create<T extends KubeObject = KubeObject>(type: ResourceType<T>, input: ObjectInput): Promise<T> {
    checkKind(type, input);
    const namespace = type.namespaced ? (input.metadata.namespace ?? 'default') : undefined;
    if (namespace !== undefined) await this.requireActiveNamespace(namespace);
    const base = deepClone(input);
    base.apiVersion = apiVersionOf(type);
    base.metadata = { ...base.metadata, namespace };
    if (!type.namespaced) delete base.metadata.namespace;
    if (type === PERSISTENT_VOLUME_CLAIMS) await admitClaimStorageClass(this, base);
    if (!base.metadata.name && !base.metadata.generateName) {
      throw invalid(type.kind, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'name or generateName is required' }], type.group);
    }
    await admitPriorityOnCreate(this, type, base);
    for (let attempt = 0; attempt < 5; attempt++) {
      const obj = deepClone(base);
      if (!obj.metadata.name) obj.metadata.name = `${obj.metadata.generateName}${randomNameSuffix()}`;
      // LimitRanger works on the defaulted pod (requests already defaulted from limits), as after decoding.
      const admitted = applyDefaults(type, obj);
      await admitMutating(this, type, admitted);
      const prepared = this.prepareNew(type, admitted);
      await admitValidating(this, type, { ...prepared, apiVersion: apiVersionOf(type), kind: type.kind, metadata: prepared.metadata });
      const allocation = type === SERVICES ? await this.serviceAllocations.onCreate(prepared) : undefined;
      try {
        const kv = await this.store.create<StoredObject>(objectKey(type, namespace, prepared.metadata.name), prepared);
        return toObject<T>(kv);
      } catch (err) {
        await allocation?.rollback();
        if (isStoreError(err, 'AlreadyExists')) {
          if (input.metadata.name) throw alreadyExists(type, input.metadata.name);
          continue; // generated name collided: pick another suffix
        }
        throw storeFailure(err);
      }
    }
    throw new ApiError('AlreadyExists', `control/registry: could not generate a unique name for ${type.kind} "${input.metadata.generateName}"`);
  }

  async update<T extends KubeObject = KubeObject>(type: ResourceType<T>, input: ObjectInput): Promise<T> {
    checkKind(type, input);
    const name = requireName(type, input);
    await admitPriorityOnUpdate(this, type, input);
    const allocate = type === SERVICES ? this.serviceAllocator() : undefined;
    return this.guaranteedUpdate<T>(type, input.metadata.namespace, name, allocate, (current) => {
      requireResourceVersion(type, name, input.metadata.resourceVersion, current);
      return this.nextVersion(type, current, input);
    });
  }

  async updateStatus<T extends KubeObject = KubeObject>(type: ResourceType<T>, input: ObjectInput): Promise<T> {
    checkKind(type, input);
    const name = requireName(type, input);
    return this.guaranteedUpdate<T>(type, input.metadata.namespace, name, undefined, (current) => {
      requireResourceVersion(type, name, input.metadata.resourceVersion, current);
      return withStatus(current, input);
    });
  }

  /**
   * Applies the patch to the object as stored at each attempt, as kube-apiserver does: a
   * `metadata.resourceVersion` the patch carries (or sets) is a precondition (409 when it
   * differs), and a patch without one is retried on every write race until it lands.
   */
  async patch<T extends KubeObject = KubeObject>(
    type: ResourceType<T>,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: { fieldManager?: string; force?: boolean; subresource?: 'status' | 'scale' } = {},
  ): Promise<T> {
    if (patchType === 'apply' && !options.subresource && !(await this.get(type, namespace, name))) {
      const created = applyPatch(type, undefined, patchType, patch, options);
      created.metadata = { ...created.metadata, name, ...(type.namespaced ? { namespace: namespace ?? 'default' } : {}) };
      return this.create<T>(type, created);
    }
    const allocate = type === SERVICES && options.subresource !== 'status' ? this.serviceAllocator() : undefined;
    return this.guaranteedUpdate<T>(type, namespace, name, allocate, (current) => {
      if (options.subresource === 'scale') {
        const patchedScale = applyPatch(type, scaleOf(current) as unknown as KubeObject, patchType, patch, options);
        requireResourceVersion(type, name, patchedScale.metadata.resourceVersion, current);
        const replicas = (patchedScale.spec as { replicas?: number } | undefined)?.replicas;
        return this.nextVersion(type, current, { ...deepClone(current), spec: { ...(current.spec as object), replicas } });
      }
      const patched = applyPatch(type, current, patchType, patch, options);
      requireResourceVersion(type, name, patched.metadata.resourceVersion, current);
      return options.subresource === 'status' ? withStatus(current, patched) : this.nextVersion(type, current, patched);
    });
  }

  async delete<T extends KubeObject = KubeObject>(
    type: ResourceType<T>,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<T> {
    for (;;) {
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
        await this.releaseServiceAllocations(type, current);
        return toObject<T>(deleted);
      } catch (err) {
        if (isStoreError(err, 'Conflict')) continue;
        if (isStoreError(err, 'NotFound')) throw notFound(type.plural, name, type.group);
        throw storeFailure(err);
      }
    }
  }

  watch<T extends KubeObject = KubeObject>(
    type: ResourceType<T>,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
    onError?: (err: Error) => void,
  ): Watcher {
    return watchObjects(this.store, this.clock, this.bookmarkIntervalMs, type, options, onEvent, onError);
  }

  // --- internals -----------------------------------------------------------

  /** Claims and releases a Service's ClusterIP and nodePorts as an update changes them. */
  private serviceAllocator(): (current: KubeObject, next: ObjectInput) => Promise<AllocationHandle> {
    return (current, next) => this.serviceAllocations.onUpdate(current, next);
  }

  /** What an update of `current` to `input` writes: identity and status kept, defaulted, validated, generation bumped on spec changes. */
  private nextVersion(type: ResourceType, current: KubeObject, input: ObjectInput): ObjectInput {
    const name = current.metadata.name;
    const custom = this.kinds.customKind(type);
    const defaulted = applyDefaults(type, deepClone({ ...input, apiVersion: apiVersionOf(type) }));
    const next = custom ? defaultCustomResource(custom, defaulted) : defaulted;
    next.metadata = {
      ...next.metadata,
      name,
      namespace: current.metadata.namespace,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
      deletionTimestamp: current.metadata.deletionTimestamp,
      deletionGracePeriodSeconds: current.metadata.deletionGracePeriodSeconds,
      generation: current.metadata.generation,
    };
    if (type.subresources.includes('status')) next.status = current.status;
    if (type === SERVICES) {
      keepClusterIp(current, next);
      keepNodePorts(current, next);
    }
    if (type === JOBS) keepJobSelector(current, next);
    if (type === STATEFUL_SETS) checkStatefulSetUpdate(current, next);
    if (type === DAEMON_SETS) advanceTemplateGeneration(current, next);
    if (type === PRIORITY_CLASSES) keepPriorityClassValue(current, next);
    const causes = validateUpdate(type, next, current, custom);
    if (causes.length) throw custom ? invalidCustomResource(type, name, causes) : invalid(type.kind, name, causes, type.group);
    if (specPart(next) !== specPart(current)) next.metadata.generation = (current.metadata.generation ?? 1) + 1;
    return next;
  }

  private prepareNew(type: ResourceType, obj: ObjectInput): StoredObject {
    const uid = newUid();
    const custom = this.kinds.customKind(type);
    const defaulted = custom ? defaultCustomResource(custom, applyDefaults(type, obj)) : applyDefaults(type, obj);
    if (type === PODS) addDefaultTolerations(defaulted.spec as PodSpec | undefined);
    addProtectionFinalizer(type, defaulted);
    // Kubernetes' Job strategy selects the Job's pods by its uid, so the uid comes first.
    if (type === JOBS) generateJobSelector(defaulted, uid);
    if (type === DAEMON_SETS) initTemplateGeneration(defaulted);
    // A custom resource's status is written through its status subresource only, as its strategy resets it on create.
    if (custom && type.subresources.includes('status')) delete defaulted.status;
    const causes = validateObject(type, defaulted, custom);
    if (causes.length) throw custom ? invalidCustomResource(type, defaulted.metadata.name ?? '', causes) : invalid(type.kind, defaulted.metadata.name ?? '', causes, type.group);
    const now = new Date(this.clock.now()).toISOString();
    const metadata = {
      ...defaulted.metadata,
      name: defaulted.metadata.name!,
      uid,
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
    if (type === CUSTOM_RESOURCE_DEFINITIONS) {
      // Its custom resources go before it does (the CRD controller removes the finalizer).
      stored.metadata.finalizers = [...new Set([...(stored.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER])];
      stored.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: [] };
    }
    return stored;
  }

  /**
   * Read, mutate, compare-and-swap, as etcd3's GuaranteedUpdate: `mutate` sees the object as
   * stored at each attempt and checks any precondition itself, so a lost race is always retried —
   * a write that still holds against the newer object lands, a stale precondition fails in `mutate`.
   */
  private async guaranteedUpdate<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    allocate: ((current: KubeObject, next: ObjectInput) => Promise<AllocationHandle>) | undefined,
    mutate: (current: KubeObject) => ObjectInput,
  ): Promise<T> {
    const key = objectKey(type, type.namespaced ? (namespace ?? 'default') : undefined, name);
    for (;;) {
      const kv = await this.store.get<StoredObject>(key);
      if (!kv) throw notFound(type.plural, name, type.group);
      const current = toObject<KubeObject>(kv);
      const next = mutate(current) as KubeObject;
      const allocation = await allocate?.(current, next);
      try {
        if (current.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && namespaceFinalizers(next).length === 0) {
          const gracefulPodPending = type === PODS && (current.metadata.deletionGracePeriodSeconds ?? 0) > 0;
          if (!gracefulPodPending) {
            const deleted = await this.store.delete<StoredObject>(key, { expectedModRevision: kv.modRevision });
            await allocation?.rollback();
            await this.releaseServiceAllocations(type, current);
            return toObject<T>({ ...deleted, value: stripVersion(next) });
          }
        }
        const written = await this.store.update<StoredObject>(key, stripVersion(next), { expectedModRevision: kv.modRevision });
        await allocation?.commit();
        return toObject<T>(written);
      } catch (err) {
        await allocation?.rollback();
        if (isStoreError(err, 'Conflict')) continue;
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

  private async releaseServiceAllocations(type: ResourceType, obj: KubeObject): Promise<void> {
    if (type === SERVICES) await this.serviceAllocations.onDelete(obj);
  }
}

export function createRegistry(options: RegistryOptions): Registry {
  return new Registry(options);
}
