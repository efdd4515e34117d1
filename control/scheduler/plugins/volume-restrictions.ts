// VolumeRestrictions, for ReadWriteOncePod: such a claim serves one pod in the
// whole cluster, so while another scheduled (or assumed) pod uses it the new
// pod fits no node, with kube-scheduler's reason. Pods that finished do not count.

import type { Pod } from '../../api/index.ts';
import { PERSISTENT_VOLUME_CLAIMS } from '../../api/index.ts';
import type { EnqueueExtensions, FilterPlugin, Status } from '../framework.ts';
import { SUCCESS, unschedulable } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { VolumeListers } from './volume-binding.ts';
import { claimNamesOf } from './volume-binding.ts';

export const ERR_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';

function claimInUse(namespace: string, claimName: string, pod: Pod, nodes: readonly NodeInfo[]): boolean {
  for (const n of nodes) {
    for (const other of n.pods.values()) {
      if (other.metadata.uid === pod.metadata.uid || other.metadata.namespace !== namespace) continue;
      if (other.status?.phase === 'Succeeded' || other.status?.phase === 'Failed') continue;
      if (claimNamesOf(other).includes(claimName)) return true;
    }
  }
  return false;
}

const STATE_KEY = 'VolumeRestrictions';

export function createVolumeRestrictions(listers: VolumeListers): FilterPlugin & EnqueueExtensions {
  return {
    name: 'VolumeRestrictions',
    // As kube-scheduler's: a claim added or changed; pods going away are always watched.
    eventsToRegister: () => [PERSISTENT_VOLUME_CLAIMS],
    filter(pod, _node, state): Status {
      // The answer is the same on every node: work it out once per cycle.
      let conflict = state.data.get(STATE_KEY) as boolean | undefined;
      if (conflict === undefined) {
        const ns = pod.metadata.namespace ?? 'default';
        conflict = claimNamesOf(pod).some(
          (name) => (listers.claim(ns, name)?.spec?.accessModes ?? []).includes('ReadWriteOncePod') && claimInUse(ns, name, pod, state.nodes),
        );
        state.data.set(STATE_KEY, conflict);
      }
      return conflict ? unschedulable(ERR_RWOP_CONFLICT) : SUCCESS;
    },
  };
}
