// Watches over the store, translated into Kubernetes watch events: ADDED /
// MODIFIED / DELETED (selector transitions included), BOOKMARKs, synthetic
// ADDED events for "start at most recent", and 410 Expired below the history.

import { ApiError, apiVersionOf, namespacePrefix } from '../api/index.ts';
import type { Clock, KubeObject, ResourceType, Store, StoreEvent, WatchEvent, WatchOptions, Watcher } from '../api/index.ts';
import { compileFilter, matchesFilter } from './selectors.ts';
import type { ObjectFilter } from './selectors.ts';
import { toObject } from './stored-object.ts';
import type { StoredObject } from './stored-object.ts';
import { storeFailure } from './registry-errors.ts';

export function watchObjects<T extends KubeObject>(
  store: Store,
  clock: Clock,
  bookmarkIntervalMs: number,
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
    bookmarkTimer = clock.setTimer(bookmarkIntervalMs, () => {
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
    storeWatch = store.watch<StoredObject>(
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
    void store
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
