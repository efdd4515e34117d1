// The scheduler loop: pods without a node (and for one of this scheduler's
// profiles) are keys in a work queue ordered by the QueueSort plugin; one
// worker runs the scheduling cycle per key (schedule-pod.ts; PostFilter when
// nothing fits; then Reserve and Permit) against the cache, assumes the
// result and runs the binding cycle in the background (wait at Permit,
// PreBind, Bind, PostBind; on any failure Unreserve and forget). Pods that
// fit nowhere get PodScheduled=False reason Unschedulable, a FailedScheduling
// event, and wait until a node or an assigned pod changes (or an object of a
// kind one of the plugins registered events for: claims, volumes, classes for
// the volume plugins), then they are tried again.

import type { Client, Clock, KubeObject, Node, Pod, PodCondition, ResourceType } from '../api/index.ts';
import { NODES, PODS, isApiError, nominatedNodeName, objectKeyOf, systemClock } from '../api/index.ts';
import { Controller, InformerSet, createEventRecorder } from '../runtime/index.ts';
import type { EventRecorder, Informer, Reconciler } from '../runtime/index.ts';
import type { CycleState, FrameworkHandle, Plugin, Profile, Status } from './framework.ts';
import { SUCCESS, isSuccess, registersEvents, unresolvable } from './framework.ts';
import { DEFAULT_SCHEDULER_NAME, buildProfile } from './profile.ts';
import { SchedulerCache } from './scheduler-cache.ts';
import { newCycleState, runFilters, runPreFilters, runSchedulingCycle } from './schedule-pod.ts';
import type { NodeInfo } from './node-info.ts';
import type { SchedulerConfiguration } from './config/types.ts';
import { HeldPod } from './waiting-pods.ts';

export interface StartSchedulerOptions {
  client: Client;
  clock?: Clock;
  /** With the default configuration: pods whose spec.schedulerName is unset or equal to this are scheduled. Default 'default-scheduler'. */
  schedulerName?: string;
  /** Replaces the default plugin pipeline of the one profile (tests, experiments); without binders the DefaultBinder binds. */
  profile?: Profile;
  /** Profiles from a KubeSchedulerConfiguration (loadSchedulerConfig); one scheduler serves them all. */
  config?: SchedulerConfiguration;
  /** Record Scheduled / FailedScheduling events. Default true. */
  recordEvents?: boolean;
  onError?: (name: string, key: string, err: unknown) => void;
  /** Tie-break source; default Math.random. */
  random?: () => number;
  /** Share of nodes to find feasible before scoring (1..100); default the profile's, else adaptive, as kube-scheduler. */
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
  /** Pods held at Permit, as `namespace/name` keys. */
  waitingPods(): string[];
  /** The scheduler names served. */
  readonly profiles: readonly string[];
}

const NOOP_RECORDER: EventRecorder = { record: () => undefined };

export async function startScheduler(options: StartSchedulerOptions): Promise<RunningScheduler> {
  const { client } = options;
  const clock = options.clock ?? systemClock;
  const recorderFor = (name: string) => (options.recordEvents === false ? NOOP_RECORDER : createEventRecorder(client, name, undefined, clock));
  const cache = new SchedulerCache();
  const informers = options.informers ?? new InformerSet(client, clock);
  const pods = informers.for<Pod>(PODS);
  const nodes = informers.for<Node>(NODES);
  const unschedulable = new Set<string>();
  const bindings = new Set<Promise<void>>();
  const held = new Map<string, HeldPod>();
  /** Unbound pods with status.nominatedNodeName, by uid. */
  const nominated = new Map<string, Pod>();
  /** When each key was first queued: QueueSort's tie-break. */
  const queuedAt = new Map<string, number>();
  let nextStartIndex = 0;

  const nominatedOn = (nodeName: string) => [...nominated.values()].filter((p) => nominatedNodeName(p) === nodeName);
  const nominatedByNode = (): ReadonlyMap<string, Pod[]> | undefined => {
    if (nominated.size === 0) return undefined;
    const byNode = new Map<string, Pod[]>();
    for (const p of nominated.values()) {
      const n = nominatedNodeName(p)!;
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    return byNode;
  };

  const profiles = new Map<string, Profile>();
  const handleFor = (schedulerName: string): FrameworkHandle => ({
    client,
    clock,
    recorder: recorderFor(schedulerName),
    schedulerName,
    informers,
    nodes: () => cache.list(),
    waitingPod: (uid) => held.get(uid),
    waitingPods: () => [...held.values()],
    nominatedPods: nominatedOn,
    runFilters(pod: Pod, node: NodeInfo, snapshot: readonly NodeInfo[]): Status {
      const profile = profiles.get(schedulerName)!;
      const state = newCycleState(snapshot);
      const pre = runPreFilters(profile, pod, state);
      if (!isSuccess(pre.status)) return pre.status;
      if (pre.nodeNames && !pre.nodeNames.has(node.name)) return unresolvable('node(s) excluded by PreFilter');
      return runFilters(profile, pod, node, state) ?? SUCCESS;
    },
  });
  if (options.config) {
    for (const [i, p] of options.config.profiles.entries()) {
      profiles.set(
        p.schedulerName,
        await buildProfile(p, { userPlugins: options.config.userPlugins, handle: handleFor(p.schedulerName), path: `profiles[${i}]`, percentageOfNodesToScore: options.config.percentageOfNodesToScore }),
      );
    }
  } else {
    const name = options.schedulerName ?? options.profile?.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    const built = await buildProfile({ schedulerName: name }, { handle: handleFor(name) });
    profiles.set(name, options.profile ? { ...built, ...options.profile, schedulerName: name, binds: options.profile.binds?.length ? options.profile.binds : built.binds } : built);
  }
  const recorders = new Map([...profiles.keys()].map((n) => [n, recorderFor(n)]));
  const queueSort = [...profiles.values()][0]?.queueSort;

  const profileOf = (pod: Pod) => profiles.get(pod.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME);
  const needsScheduling = (pod: Pod) =>
    !pod.spec?.nodeName && !pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && profileOf(pod) !== undefined;

  const markUnschedulable = async (pod: Pod, key: string, message: string, nominatedNode?: string) => {
    unschedulable.add(key);
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const nominationChanged = nominatedNode !== undefined && nominatedNode !== nominatedNodeName(pod);
    if (!nominationChanged && current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime: current?.status === 'False' ? (current.lastTransitionTime ?? new Date(clock.now()).toISOString()) : new Date(clock.now()).toISOString(),
    };
    await client.patch(PODS, pod.metadata.namespace, pod.metadata.name, 'strategic', { status: { conditions: [condition], ...(nominatedNode ? { nominatedNodeName: nominatedNode } : {}) } }, { subresource: 'status' });
    recorders.get(profileOf(pod)?.schedulerName ?? '')?.record(pod, 'Warning', 'FailedScheduling', message);
  };

  const unreserve = async (profile: Profile, pod: Pod, nodeName: string, state: CycleState) => {
    for (const p of [...(profile.reserves ?? [])].reverse()) await p.unreserve(pod, nodeName, state);
    cache.forget(pod.metadata.uid);
  };

  /** Reserve then Permit; undefined when the pod may go on to binding, else the rejecting status. */
  const reserveAndPermit = async (profile: Profile, pod: Pod, nodeName: string, state: CycleState): Promise<{ rejected?: Status; hold?: HeldPod }> => {
    for (const p of profile.reserves ?? []) {
      const status = await p.reserve(pod, nodeName, state);
      if (!isSuccess(status)) return { rejected: { ...status, plugin: p.name } };
    }
    const timeouts = new Map<string, number>();
    for (const p of profile.permits ?? []) {
      const { status, timeoutMs } = await p.permit(pod, nodeName, state);
      if (status.code === 'Wait') timeouts.set(p.name, timeoutMs ?? 0);
      else if (!isSuccess(status)) return { rejected: { ...status, plugin: p.name } };
    }
    if (timeouts.size === 0) return {};
    const hold = new HeldPod(pod, nodeName, timeouts, clock);
    held.set(pod.metadata.uid, hold);
    return { hold };
  };

  const bindingCycle = async (profile: Profile, pod: Pod, nodeName: string, key: string, state: CycleState, hold: HeldPod | undefined) => {
    const fail = async (status: Status) => {
      await unreserve(profile, pod, nodeName, state);
      await markUnschedulable(pod, key, status.reasons.join(', ') || `rejected by plugin ${status.plugin ?? ''}`);
    };
    try {
      if (hold) {
        const outcome = await hold.outcome;
        held.delete(pod.metadata.uid);
        if (!isSuccess(outcome)) return await fail(outcome);
      }
      for (const p of profile.preBinds ?? []) {
        const status = await p.preBind(pod, nodeName, state);
        if (!isSuccess(status)) return await fail({ ...status, plugin: p.name });
      }
      let bound = false;
      for (const p of profile.binds ?? []) {
        const status = await p.bind(pod, nodeName, state);
        if (status.code === 'Skip') continue;
        if (!isSuccess(status)) return await fail({ ...status, plugin: p.name });
        bound = true;
        break;
      }
      if (!bound) return await fail({ code: 'Error', reasons: ['no bind plugin bound the pod'] });
      recorders.get(profile.schedulerName)?.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${key} to ${nodeName}`);
      for (const p of profile.postBinds ?? []) await p.postBind(pod, nodeName, state);
    } catch (err) {
      held.delete(pod.metadata.uid);
      await unreserve(profile, pod, nodeName, state).catch(() => undefined);
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
      const profile = pod ? profileOf(pod) : undefined;
      if (!pod || !profile || !needsScheduling(pod) || cache.isAssumed(pod.metadata.uid)) {
        unschedulable.delete(key);
        if (!pod) queuedAt.delete(key);
        return;
      }
      const nominatedPods = nominatedByNode();
      const { result, state, statuses } = runSchedulingCycle(profile, pod, cache.list(), {
        random: options.random,
        startIndex: nextStartIndex,
        ...(options.percentageOfNodesToScore ? { percentageOfNodesToScore: options.percentageOfNodesToScore } : {}),
        ...(nominatedPods ? { nominatedPods } : {}),
      });
      nextStartIndex = result.nextStartIndex;
      if (!result.ok) {
        let nominatedNode: string | undefined;
        for (const p of profile.postFilters ?? []) {
          const outcome = await p.postFilter(pod, state, statuses);
          if (isSuccess(outcome.status)) {
            nominatedNode = outcome.nominatedNodeName;
            break;
          }
        }
        await markUnschedulable(pod, key, result.message, nominatedNode);
        return;
      }
      unschedulable.delete(key);
      cache.assume(pod, result.node);
      const { rejected, hold } = await reserveAndPermit(profile, pod, result.node, state);
      if (rejected) {
        await unreserve(profile, pod, result.node, state);
        await markUnschedulable(pod, key, rejected.reasons.join(', ') || `rejected by plugin ${rejected.plugin ?? ''}`);
        return;
      }
      queuedAt.delete(key);
      const binding = bindingCycle(profile, pod, result.node, key, state, hold);
      bindings.add(binding);
      void binding.finally(() => bindings.delete(binding));
    },
  };
  const less = queueSort
    ? (a: string, b: string) => {
      const pa = podByKey(a);
      const pb = podByKey(b);
      if (!pa || !pb) return false;
      return queueSort.less({ pod: pa, timestamp: queuedAt.get(a) ?? 0 }, { pod: pb, timestamp: queuedAt.get(b) ?? 0 });
    }
    : undefined;
  const podByKey = (key: string) => {
    const slash = key.indexOf('/');
    return pods.get(key.slice(0, slash), key.slice(slash + 1));
  };
  const controller = new Controller(reconciler, { workers: 1, clock, ...(less ? { less } : {}), ...(options.onError ? { onError: options.onError } : {}) });
  const enqueue = (key: string) => {
    if (!queuedAt.has(key)) queuedAt.set(key, clock.now());
    controller.enqueue(key);
  };

  /** Something changed that may let waiting pods fit: try them all again. */
  const retryUnschedulable = () => {
    for (const key of unschedulable) enqueue(key);
    unschedulable.clear();
  };

  const trackNomination = (pod: Pod) => {
    if (!pod.spec?.nodeName && nominatedNodeName(pod) && !pod.metadata.deletionTimestamp) nominated.set(pod.metadata.uid, pod);
    else nominated.delete(pod.metadata.uid);
  };

  pods.addHandlers({
    onAdd(pod) {
      cache.upsertPod(pod);
      trackNomination(pod);
      if (needsScheduling(pod)) enqueue(objectKeyOf(pod));
    },
    onUpdate(old, pod) {
      cache.upsertPod(pod);
      trackNomination(pod);
      if (needsScheduling(pod)) {
        // Our own condition write echoes back as an update; only a spec/label change is news.
        if (old.metadata.generation !== pod.metadata.generation || JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels) || !unschedulable.has(objectKeyOf(pod))) {
          enqueue(objectKeyOf(pod));
        }
      }
      const freed = old.spec?.nodeName && (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') && old.status?.phase !== pod.status?.phase;
      if (freed) retryUnschedulable();
    },
    onDelete(pod) {
      cache.removePod(pod.metadata.uid);
      nominated.delete(pod.metadata.uid);
      held.get(pod.metadata.uid)?.reject('', `pod ${objectKeyOf(pod)} was deleted`);
      unschedulable.delete(objectKeyOf(pod));
      queuedAt.delete(objectKeyOf(pod));
      if (pod.spec?.nodeName) retryUnschedulable();
    },
  });
  // Kinds the plugins registered events for: their objects appearing or changing may let waiting pods fit.
  const watched = eventInformers([...profiles.values()], informers);
  for (const informer of watched) informer.addHandlers({ onAdd: retryUnschedulable, onUpdate: retryUnschedulable });

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

  for (const informer of watched) informer.start();
  await Promise.all(watched.map((i) => i.waitForSync()));
  controller.start();
  nodes.start();
  await nodes.waitForSync();
  pods.start();
  await pods.waitForSync();

  return {
    profiles: [...profiles.keys()],
    idle: () => pods.hasSynced() && nodes.hasSynced() && watched.every((i) => i.hasSynced()) && controller.idle() && bindings.size === 0,
    unschedulablePods: () => [...unschedulable],
    waitingPods: () => [...held.values()].map((h) => objectKeyOf(h.pod)),
    async stop() {
      if (!options.informers) informers.stop();
      for (const h of held.values()) h.reject('', 'scheduler stopped');
      await controller.stop();
      await Promise.allSettled([...bindings]);
    },
  };
}

/** One informer per kind any plugin of any profile registered events for. */
function eventInformers(profiles: readonly Profile[], informers: InformerSet): Informer<KubeObject>[] {
  const plugins = new Set<Plugin>();
  for (const p of profiles) {
    for (const list of [p.preFilters, p.filters, p.postFilters, p.preScores, p.scores, p.reserves, p.permits, p.preBinds, p.binds, p.postBinds]) {
      for (const plugin of list ?? []) plugins.add(plugin);
    }
  }
  const types = new Map<string, ResourceType<KubeObject>>();
  for (const plugin of plugins) {
    if (!registersEvents(plugin)) continue;
    for (const type of plugin.eventsToRegister()) types.set(`${type.group}/${type.plural}`, type);
  }
  return [...types.values()].map((t) => informers.for(t));
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
