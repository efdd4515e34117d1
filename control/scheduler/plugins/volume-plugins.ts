// The storage plugins as one unit the scheduler loop wires in: VolumeBinding
// (pre-filter, filter, pre-bind) and VolumeRestrictions over informer-backed
// listers of claims, volumes and classes, plus the events that should send
// waiting pods round again (kube-scheduler requeues on PVC, PV and
// StorageClass changes).

import type { Client, KubeObject, Pod } from '../../api/index.ts';
import { PERSISTENT_VOLUMES, PERSISTENT_VOLUME_CLAIMS, STORAGE_CLASSES } from '../../api/index.ts';
import type { InformerSet } from '../../runtime/index.ts';
import type { FilterPlugin, PreFilterPlugin } from '../framework.ts';
import { createVolumeBinding, volumeListersFrom } from './volume-binding.ts';
import { createVolumeRestrictions } from './volume-restrictions.ts';

export interface StoragePlugins {
  readonly preFilters: readonly PreFilterPlugin[];
  readonly filters: readonly FilterPlugin[];
  preBind(pod: Pod, node: { name: string; labels: Record<string, string> }): Promise<void>;
  /** Calls `retry` whenever a claim, volume or class is added or changes. */
  onChange(retry: () => void): void;
  start(): void;
  waitForSync(): Promise<void>;
  synced(): boolean;
}

export function createStoragePlugins(options: { client: Client; informers: InformerSet }): StoragePlugins {
  const { informers } = options;
  const listers = volumeListersFrom(informers);
  const binding = createVolumeBinding({ listers, client: options.client });
  const watched = [PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, STORAGE_CLASSES].map((t) => informers.for<KubeObject>(t));
  return {
    preFilters: [binding.preFilter],
    filters: [createVolumeRestrictions(listers), binding.filter],
    preBind: binding.preBind,
    onChange(retry) {
      for (const informer of watched) informer.addHandlers({ onAdd: retry, onUpdate: retry });
    },
    start: () => watched.forEach((i) => i.start()),
    waitForSync: async () => {
      await Promise.all(watched.map((i) => i.waitForSync()));
    },
    synced: () => watched.every((i) => i.hasSynced()),
  };
}
