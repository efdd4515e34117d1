// The in-tree plugins by the names KubeSchedulerConfiguration uses, each a
// factory of (args, handle). Args are checked by parseArgs before anything
// starts, so a bad pluginConfig fails `meshlet up` with its field path.

import type { FrameworkHandle, Plugin } from './framework.ts';
import type { PluginFactory } from './config/types.ts';
import { parseNodeResourcesFitArgs, parsePodTopologySpreadArgs, parseDefaultPreemptionArgs } from './config/plugin-args.ts';
import { defaultBinder } from './plugins/default-binder.ts';
import { defaultPreemption } from './plugins/default-preemption.ts';
import { interPodAffinity } from './plugins/inter-pod-affinity.ts';
import { nodeAffinity } from './plugins/node-affinity.ts';
import { nodeName } from './plugins/node-name.ts';
import { nodeReady } from './plugins/node-ready.ts';
import { nodeResourcesFitWith } from './plugins/node-resources-fit.ts';
import { nodeUnschedulable } from './plugins/node-unschedulable.ts';
import { podTopologySpread } from './plugins/pod-topology-spread.ts';
import { prioritySort } from './plugins/priority-sort.ts';
import { taintToleration } from './plugins/taint-toleration.ts';
import { createVolumeBinding, volumeListersFrom } from './plugins/volume-binding.ts';
import { createVolumeRestrictions } from './plugins/volume-restrictions.ts';

export interface InTreePlugin {
  create: PluginFactory;
  /** Throws a SchedulerConfigError naming `path` when the args are wrong. */
  parseArgs?: (args: unknown, path: string) => unknown;
}

const constant = (plugin: Plugin): InTreePlugin => ({ create: () => plugin });
const withHandle = (make: (handle: FrameworkHandle) => Plugin): PluginFactory => (_args, handle) => (handle ? make(handle) : undefined);

export const IN_TREE_PLUGINS: ReadonlyMap<string, InTreePlugin> = new Map<string, InTreePlugin>([
  ['PrioritySort', constant(prioritySort)],
  ['NodeUnschedulable', constant(nodeUnschedulable)],
  ['NodeName', constant(nodeName)],
  ['NodeReady', constant(nodeReady)],
  ['TaintToleration', constant(taintToleration)],
  ['NodeAffinity', constant(nodeAffinity)],
  ['NodeResourcesFit', { create: (args) => nodeResourcesFitWith(parseNodeResourcesFitArgs(args, 'args')), parseArgs: parseNodeResourcesFitArgs }],
  // They read claims, volumes and classes, so they need the scheduler's informers (what-if profiles go without).
  ['VolumeRestrictions', { create: withHandle((h) => createVolumeRestrictions(volumeListersFrom(h.informers))) }],
  ['VolumeBinding', { create: withHandle((h) => createVolumeBinding({ listers: volumeListersFrom(h.informers), client: h.client })) }],
  ['PodTopologySpread', { create: (args) => (parsePodTopologySpreadArgs(args, 'args'), podTopologySpread), parseArgs: parsePodTopologySpreadArgs }],
  ['InterPodAffinity', constant(interPodAffinity)],
  ['DefaultPreemption', {
    create: (args, handle) => (handle ? defaultPreemption(handle, parseDefaultPreemptionArgs(args, 'args')) : undefined),
    parseArgs: parseDefaultPreemptionArgs,
  }],
  ['DefaultBinder', { create: withHandle(defaultBinder) }],
]);
