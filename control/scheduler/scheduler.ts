// The scheduler loop: pods without a node (and for this scheduler) are keys
// in a work queue; one worker runs a scheduling cycle per key against the
// cache, assumes the result and binds in the background (spec.nodeName, then
// condition PodScheduled=True). Pods that fit nowhere get PodScheduled=False
// reason Unschedulable, a FailedScheduling event, and wait until a node or an
// assigned pod changes, then they are tried again.

import type { Client, Clock, Node, Pod, PodCondition } from '../api/index.ts';
import { ApiError, NODES, PODS, isApiError, objectKeyOf, systemClock } from '../api/index.ts';
import { Controller, InformerSet, createEventRecorder } from '../runtime/index.ts';
import type { EventRecorder, Reconciler } from '../runtime/index.ts';
import type { Profile } from './framework.ts';
import { DEFAULT_SCHEDULER_NAME, defaultProfile } from './profile.ts';
import { SchedulerCache } from './scheduler-cache.ts';
import { schedulePod } from './schedule-pod.ts';
import { createStoragePlugins } from './plugins/volume-plugins.ts';

export interface StartSchedulerOptions {
  client: Client;
  clock?: Clock;
  /** Pods whose spec.schedulerName is unset or equal to this are scheduled. Default 'default-scheduler'. */
  schedulerName?: string;
  /** Replaces the default plugin pipeline (tests, experiments). */
  profile?: Profile;
  /** Record Scheduled / FailedScheduling events. Default true. */
  recordEvents?: boolean;
  onError?: (name: string, key: string, err: unknown) => void;
  /** Tie-break source; default Math.random. */
  random?: () => number;
  /** Share of nodes to find feasible before scoring (1..100); default adaptive, as kube-scheduler. */
  percentageOfNodesToScore?: number;
  /** Informers shared with other components of the process; their owner stops them. Default: private ones. */
  informers?: InformerSet;
}

export interface RunningScheduler {
  stop(): Promise<void>;
  /** True when informers synced, no pod is queued or being scheduled, and no binding is in flight. */
  idle(): boolean;
  /** Pods that fit nowhere right now, as `namespace/name` keys. */
  unschedulablePods(): string[];
}

const NOOP_RECORDER: EventRecorder = { record: () => undefined };

export async function startScheduler(options: StartSchedulerOptions): Promise<RunningScheduler> {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  const recorder = options.recordEvents === false ? NOOP_RECORDER : createEventRecorder(client, schedulerName, undefined, clock);
  const cache = new SchedulerCache();
  const informers = options.informers ?? new InformerSet(client, clock);
  const storage = createStoragePlugins({ client, informers });
  const profile = options.profile ?? defaultProfile(schedulerName, storage);
  const pods = informers.for<Pod>(PODS);
  const nodes = informers.for<Node>(NODES);
  const unschedulable = new Set<string>();
  const bindings = new Set<Promise<void>>();
  let nextStartIndex = 0;

  const isOurs = (pod: Pod) => (pod.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME) === schedulerName;
  const needsScheduling = (pod: Pod) =>
    !pod.spec?.nodeName && !pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && isOurs(pod);

  const setScheduledCondition = async (pod: Pod, condition: PodCondition) => {
    await client.patch(PODS, pod.metadata.namespace, pod.metadata.name, 'strategic', { status: { conditions: [condition] } }, { subresource: 'status' });
  };

  const bind = async (pod: Pod, nodeName: string, key: string) => {
    try {
      // Condition first: until the pod is bound nobody else writes its status, so a plain
      // status replace is safe (and cheaper than a patch); after binding, the node agent owns it.
      const scheduled: PodCondition = { type: 'PodScheduled', status: 'True', lastTransitionTime: new Date(clock.now()).toISOString() };
      const { resourceVersion: _rv, ...metadata } = pod.metadata;
      const marked = await client.updateStatus<Pod>(PODS, {
        ...pod,
        metadata,
        status: { ...(pod.status ?? {}), conditions: [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), scheduled] },
      });
      // Compare-and-swap on what we just wrote: if anyone bound or changed the pod meanwhile, this fails and the pod is re-evaluated.
      if (marked.spec?.nodeName || marked.metadata.deletionTimestamp) throw new ApiError('Conflict', `control/scheduler: pod ${key} changed while being bound`);
      await storage.preBind(pod, { name: nodeName, labels: nodes.get(undefined, nodeName)?.metadata.labels ?? {} });
      await client.update(PODS, { ...marked, spec: { ...marked.spec!, nodeName } });
      recorder.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${key} to ${nodeName}`);
    } catch (err) {
      cache.forget(pod.metadata.uid);
      if (isApiError(err, 'NotFound')) return;
      // A Conflict is the pod changing underneath (routine); anything else is worth a report.
      if (!isApiError(err, 'Conflict')) options.onError?.('scheduler', key, err);
      controller.queue.addRateLimited(key);
    }
  };

  const reconciler: Reconciler = {
    name: 'scheduler',
    async reconcile(key) {
      const slash = key.indexOf('/');
      const pod = pods.get(key.slice(0, slash), key.slice(slash + 1));
      if (!pod || !needsScheduling(pod) || cache.isAssumed(pod.metadata.uid)) {
        unschedulable.delete(key);
        return;
      }
      const result = schedulePod(profile, pod, cache.list(), { random: options.random, startIndex: nextStartIndex, percentageOfNodesToScore: options.percentageOfNodesToScore });
      nextStartIndex = result.nextStartIndex;
      if (result.ok) {
        unschedulable.delete(key);
        cache.assume(pod, result.node);
        const binding = bind(pod, result.node, key);
        bindings.add(binding);
        void binding.finally(() => bindings.delete(binding));
        return;
      }
      unschedulable.add(key);
      const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
      if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === result.message) return;
      await setScheduledCondition(pod, {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: result.message,
        lastTransitionTime: current?.status === 'False' ? (current.lastTransitionTime ?? new Date(clock.now()).toISOString()) : new Date(clock.now()).toISOString(),
      });
      recorder.record(pod, 'Warning', 'FailedScheduling', result.message);
    },
  };
  const controller = new Controller(reconciler, { workers: 1, clock, ...(options.onError ? { onError: options.onError } : {}) });

  /** Something changed that may let waiting pods fit: try them all again. */
  const retryUnschedulable = () => {
    for (const key of unschedulable) controller.enqueue(key);
    unschedulable.clear();
  };

  pods.addHandlers({
    onAdd(pod) {
      cache.upsertPod(pod);
      if (needsScheduling(pod)) controller.enqueue(objectKeyOf(pod));
    },
    onUpdate(old, pod) {
      cache.upsertPod(pod);
      if (needsScheduling(pod)) {
        // Our own condition write echoes back as an update; only a spec/label change is news.
        if (old.metadata.generation !== pod.metadata.generation || JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels) || !unschedulable.has(objectKeyOf(pod))) {
          controller.enqueue(objectKeyOf(pod));
        }
      }
      const freed = old.spec?.nodeName && (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') && old.status?.phase !== pod.status?.phase;
      if (freed) retryUnschedulable();
    },
    onDelete(pod) {
      cache.removePod(pod.metadata.uid);
      unschedulable.delete(objectKeyOf(pod));
      if (pod.spec?.nodeName) retryUnschedulable();
    },
  });
  nodes.addHandlers({
    onAdd(node) {
      cache.upsertNode(node);
      retryUnschedulable();
    },
    onUpdate(old, node) {
      cache.upsertNode(node);
      if (schedulingRelevantChange(old, node)) retryUnschedulable();
    },
    onDelete(node) {
      cache.removeNode(node.metadata.name);
    },
  });

  storage.onChange(retryUnschedulable);
  storage.start();
  await storage.waitForSync();
  controller.start();
  nodes.start();
  await nodes.waitForSync();
  pods.start();
  await pods.waitForSync();

  return {
    idle: () => pods.hasSynced() && nodes.hasSynced() && storage.synced() && controller.idle() && bindings.size === 0,
    unschedulablePods: () => [...unschedulable],
    async stop() {
      if (!options.informers) informers.stop();
      await controller.stop();
      await Promise.allSettled([...bindings]);
    },
  };
}

function schedulingRelevantChange(old: Node, node: Node): boolean {
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return (
    JSON.stringify(old.spec ?? {}) !== JSON.stringify(node.spec ?? {}) ||
    JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(node.metadata.labels ?? {}) ||
    JSON.stringify(old.status?.allocatable ?? {}) !== JSON.stringify(node.status?.allocatable ?? {}) ||
    ready(old) !== ready(node)
  );
}
