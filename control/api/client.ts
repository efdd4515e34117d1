// The object-level client every component uses to read and write cluster
// state: controllers, the scheduler, node agents and the CLI. It is served
// in-process by the registry (control/registry) and over HTTP by the API
// server, so a component does not care where the control plane runs.

import type { KubeObject, ObjectInput, ObjectList, WatchEvent } from './objects.ts';
import type { ResourceType } from './resources.ts';

export interface ListOptions {
  namespace?: string;
  /** Kubernetes label selector syntax: `app=reviews,version in (v1,v2),!canary`. */
  labelSelector?: string;
  /** Field selector: `spec.nodeName=node-1,metadata.name!=x`. */
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions extends Omit<ListOptions, 'limit' | 'continue'> {
  /** Watch changes after this resourceVersion; absent: from now. */
  resourceVersion?: string;
  /** Send BOOKMARK events carrying the current resourceVersion. */
  allowBookmarks?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  /** Only delete if the object's resourceVersion still equals this. */
  resourceVersion?: string;
  gracePeriodSeconds?: number;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface Watcher {
  close(): void;
}

/**
 * Every method takes a typed token (`PODS` is a `ResourceType<Pod>`) and
 * returns that token's object type, so call sites need no type arguments.
 */
export interface Client {
  get<T extends KubeObject = KubeObject>(type: ResourceType<T>, namespace: string | undefined, name: string): Promise<T | undefined>;
  list<T extends KubeObject = KubeObject>(type: ResourceType<T>, options?: ListOptions): Promise<ObjectList<T>>;
  create<T extends KubeObject = KubeObject>(type: ResourceType<T>, object: ObjectInput): Promise<T>;
  /** Replaces the object; compare-and-swap when metadata.resourceVersion is set (409 on mismatch). */
  update<T extends KubeObject = KubeObject>(type: ResourceType<T>, object: ObjectInput): Promise<T>;
  /** Replaces only `.status`. */
  updateStatus<T extends KubeObject = KubeObject>(type: ResourceType<T>, object: ObjectInput): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    type: ResourceType<T>,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options?: { fieldManager?: string; force?: boolean; subresource?: 'status' | 'scale' },
  ): Promise<T>;
  /** Returns the object as deleted (or as marked for deletion when finalizers remain). */
  delete<T extends KubeObject = KubeObject>(
    type: ResourceType<T>,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): Promise<T>;
  watch<T extends KubeObject = KubeObject>(
    type: ResourceType<T>,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
    onError?: (err: Error) => void,
  ): Watcher;
}
