// The default scheduling pipeline. Order is behaviour: filters run in this
// order and the first one that rejects a node names the reason counted for
// it, so cheap, decisive checks come first, as in kube-scheduler's default
// profile.

import type { Profile } from './framework.ts';
import { interPodAffinity } from './plugins/inter-pod-affinity.ts';
import { leastAllocated } from './plugins/least-allocated.ts';
import { nodeAffinity } from './plugins/node-affinity.ts';
import { nodeName } from './plugins/node-name.ts';
import { nodeReady } from './plugins/node-ready.ts';
import { nodeResourcesFit } from './plugins/node-resources-fit.ts';
import { nodeUnschedulable } from './plugins/node-unschedulable.ts';
import { podTopologySpread } from './plugins/pod-topology-spread.ts';
import { taintToleration } from './plugins/taint-toleration.ts';
import type { StoragePlugins } from './plugins/volume-plugins.ts';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** `storage`: VolumeRestrictions + VolumeBinding (they read claims and volumes, so the loop builds them). */
export function defaultProfile(schedulerName: string = DEFAULT_SCHEDULER_NAME, storage?: StoragePlugins): Profile {
  return {
    schedulerName,
    preFilters: [...(storage?.preFilters ?? []), interPodAffinity, podTopologySpread],
    filters: [nodeUnschedulable, nodeName, nodeReady, taintToleration, nodeAffinity, nodeResourcesFit, ...(storage?.filters ?? []), podTopologySpread, interPodAffinity],
    scores: [taintToleration, nodeAffinity, leastAllocated, podTopologySpread],
  };
}
