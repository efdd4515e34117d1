// Wires informers → keys → controllers for every built-in controller. Event
// handlers only map an event to the keys it affects; the reconcilers read
// the cluster themselves.

import type { Client, Clock, Deployment, KindCatalog, KubeObject, Node, Pod, ReplicaSet, ResourceType, Service } from '../api/index.ts';
import {
  CUSTOM_RESOURCE_DEFINITIONS, DEPLOYMENTS, ENDPOINTS, ENDPOINT_SLICES, JOBS, LEASES, NAMESPACES, NODES, NODE_LEASE_NAMESPACE, PODS, REPLICA_SETS, SERVICES, SERVICE_ACCOUNTS,
  isApiError, matchesLabels, matchesSelector, objectKeyOf,
} from '../api/index.ts';
import { Controller, InformerSet } from '../runtime/index.ts';
import type { Reconciler } from '../runtime/index.ts';
import { createDeploymentReconciler } from './deployment.ts';
import { createDeploymentProgressReconciler } from './deployment-progress.ts';
import { createEndpointSliceReconciler, SERVICE_NAME_LABEL } from './endpoint-slices.ts';
import { createEndpointsReconciler } from './endpoints.ts';
import { FOREGROUND_FINALIZER, GC_TYPES, ORPHAN_FINALIZER, createGarbageCollector, gcKey } from './garbage-collector.ts';
import { createJobReconciler } from './job.ts';
import { createCronJobReconciler } from './cronjob.ts';
import { watchCronJobs } from './cronjob-handlers.ts';
import { createDaemonSetReconciler } from './daemonset.ts';
import { watchDaemonSets } from './daemonset-handlers.ts';
import type { Job } from './job.ts';
import { createTtlAfterFinishedReconciler, needsTtlCleanup } from './ttl-after-finished.ts';
import { joinKey } from './keys.ts';
import { createNamespaceReconciler } from './namespace.ts';
import { createNodeLifecycleReconciler } from './node-lifecycle.ts';
import { createTaintEvictionReconciler } from './taint-eviction.ts';
import { createPodGcReconciler } from './pod-gc.ts';
import { controllerOf } from './owner-refs.ts';
import { createReplicaSetReconciler } from './replicaset.ts';
import { createStatefulSetReconciler } from './statefulset.ts';
import { createServiceAccountReconciler } from './service-account.ts';
import { watchStatefulSets } from './statefulset-wiring.ts';
import { DependencyGraph } from './dependency-graph.ts';
import { Expectations } from './expectations.ts';
import { informerPodLister } from './pod-lister.ts';
import { createStorageControllers } from './persistent-volume-controllers.ts';
import { createDisruptionReconciler } from './disruption.ts';
import { watchDisruptionBudgets } from './disruption-events.ts';
import { createResourceQuotaReconciler, watchResourceQuotas } from './resource-quota.ts';
import { createCrdReconciler } from './custom-resource-definitions.ts';

export interface StartControllersOptions {
  client: Client;
  clock?: Clock;
  /**
   * Called for a failed reconcile (it is retried with backoff unless terminal). Routine races —
   * Conflict, NotFound, AlreadyExists from objects changing underneath — are retried without a report.
   */
  onError?: (name: string, key: string, err: unknown) => void;
  /** Informers shared with other components of the process; their owner stops them. Default: private ones. */
  informers?: InformerSet;
  /** How long a node may miss heartbeats before it is Ready=Unknown and tainted unreachable. Default 40 s. */
  nodeMonitorGracePeriodMs?: number;
  /** Directory of the local-path provisioner's volumes (`rancher.io/local-path`); absent → no dynamic provisioning. */
  localPathRoot?: string;
  /**
   * The API server's kinds. When given, CRDs are established into it (the CRD controller), and
   * garbage collection and namespace deletion cover the kinds CRDs add. Default: built-in kinds only, no CRD controller.
   */
  kinds?: KindCatalog;
}

export interface RunningControllers {
  stop(): Promise<void>;
  /**
   * True when every informer has synced and no controller has work queued,
   * running or scheduled. Timers waiting for a Deployment's progress deadline, the
   * quarantine before pods bound to an unknown node are removed, node heartbeat checks,
   * pending taint evictions, finished Jobs' TTLs and CronJobs' next schedule times do not count.
   */
  idle(): boolean;
}

/** Worker counts follow kube-controller-manager's defaults, scaled down. */
const WORKERS = { deployment: 5, replicaset: 5, endpoints: 5, endpointslice: 5, gc: 10, namespace: 2, serviceaccount: 1, job: 5, daemonset: 2, disruption: 2, crd: 2 } as const;
const POD_GC_QUARANTINE_MS = 40_000;

type Handler<T extends KubeObject> = (obj: T, old?: T) => void;

function onChange<T extends KubeObject>(informers: InformerSet, type: ResourceType, handler: Handler<T>): void {
  informers.for<T>(type).addHandlers({
    onAdd: (obj) => handler(obj),
    onUpdate: (old, obj) => handler(obj, old),
    onDelete: (obj) => handler(obj),
  });
}

/** Races every controller meets in normal operation; retried with backoff, not reported. */
function isRoutineRace(err: unknown): boolean {
  return isApiError(err, 'Conflict') || isApiError(err, 'NotFound') || isApiError(err, 'AlreadyExists');
}

export async function startControllers(options: StartControllersOptions): Promise<RunningControllers> {
  const { client, clock, kinds } = options;
  const report = options.onError;
  const onError = report ? (name: string, key: string, err: unknown) => (isRoutineRace(err) ? undefined : report(name, key, err)) : undefined;
  const informers = options.informers ?? new InformerSet(client, clock);
  const ownsInformers = !options.informers;
  const controllers: Controller[] = [];
  const make = (reconciler: Reconciler, workers: number): Controller => {
    const c = new Controller(reconciler, { workers, ...(clock ? { clock } : {}), ...(onError ? { onError } : {}) });
    controllers.push(c);
    return c;
  };

  const podInformer = informers.for<Pod>(PODS);
  const pods = informerPodLister(podInformer);
  const rsExpectations = new Expectations(clock);
  const replicaSets = make(createReplicaSetReconciler({ client, clock, pods, expectations: rsExpectations }), WORKERS.replicaset);
  const deployments = make(createDeploymentReconciler({ client, clock }), WORKERS.deployment);
  // Not counted by idle(): these mostly sleep — until progress deadlines (default 600 s) pass,
  // through the quarantine before pods on an unknown node are removed, and until finished Jobs' TTLs expire.
  const background = (reconciler: Reconciler) => new Controller(reconciler, { workers: 1, ...(clock ? { clock } : {}), ...(onError ? { onError } : {}) });
  const progressDeadlines = background(createDeploymentProgressReconciler({ client, clock }));
  const podGc = background(createPodGcReconciler({ client }));
  const nodeLifecycle = background(createNodeLifecycleReconciler({ client, clock, gracePeriodMs: options.nodeMonitorGracePeriodMs }));
  const taintEviction = background(createTaintEvictionReconciler({ client, clock }));
  const jobTtl = background(createTtlAfterFinishedReconciler({ client, clock }));
  // Sleeps until each CronJob's next schedule time, so not counted by idle() either.
  const cronJobs = background(createCronJobReconciler({ client, clock }));
  // Quotas resync every five minutes, so they sleep between changes too.
  const quotas = background(createResourceQuotaReconciler({ client }));
  watchResourceQuotas(informers, (key) => quotas.enqueue(key));
  const endpoints = make(createEndpointsReconciler({ client, pods }), WORKERS.endpoints);
  const slices = make(createEndpointSliceReconciler({ client, pods }), WORKERS.endpointslice);
  const gcTypes = (): readonly ResourceType[] => (kinds ? [...GC_TYPES, ...kinds.customKinds().map((c) => c.type)] : GC_TYPES);
  const gc = make(createGarbageCollector({ client, types: gcTypes, ...(kinds ? { kindOf: (apiVersion: string, kind: string) => kinds.forKind(apiVersion, kind) } : {}) }), WORKERS.gc);
  const namespaces = make(createNamespaceReconciler({ client, ...(kinds ? { types: () => kinds.all() } : {}) }), WORKERS.namespace);
  const serviceAccounts = make(createServiceAccountReconciler({ client }), WORKERS.serviceaccount);
  const jobs = make(createJobReconciler({ client, clock }), WORKERS.job);
  controllers.push(...createStorageControllers({ client, clock, informers, onError, localPathRoot: options.localPathRoot }));
  const daemonSets = make(createDaemonSetReconciler({ client, clock }), WORKERS.daemonset);
  const disruption = make(createDisruptionReconciler({ client, clock }), WORKERS.disruption);
  watchDisruptionBudgets(informers, (key) => disruption.enqueue(key));
  watchStatefulSets(informers, make(createStatefulSetReconciler({ client, clock }), 5));

  const rsInformer = informers.for<ReplicaSet>(REPLICA_SETS);
  const deployInformer = informers.for<Deployment>(DEPLOYMENTS);
  const svcInformer = informers.for<Service>(SERVICES);
  const nsInformer = informers.for(NAMESPACES);

  // ReplicaSets: their own changes, and changes to pods they control or could adopt.
  onChange<ReplicaSet>(informers, REPLICA_SETS, (rs) => replicaSets.enqueue(objectKeyOf(rs)));
  podInformer.addHandlers({
    onAdd: (pod) => observeRsPod(pod, false),
    onUpdate: (_old, pod) => observeRsPod(pod, false),
    onDelete: (pod) => {
      observeRsPod(pod, true);
      // A Recreate rollout waits for the old pods themselves to be gone; their ReplicaSet's
      // status may not change any more when the last terminating pod disappears.
      const rsRef = controllerOf(pod.metadata);
      const rs = rsRef?.kind === 'ReplicaSet' ? rsInformer.get(pod.metadata.namespace, rsRef.name) : undefined;
      const deployRef = rs ? controllerOf(rs.metadata) : undefined;
      if (deployRef?.kind === 'Deployment') deployments.enqueue(joinKey(pod.metadata.namespace, deployRef.name));
    },
  });
  function observeRsPod(pod: Pod, deleted: boolean): void {
    const ref = controllerOf(pod.metadata);
    if (ref?.kind !== 'ReplicaSet') return;
    const key = joinKey(pod.metadata.namespace, ref.name);
    if (deleted) rsExpectations.observeDelete(key, pod);
    else rsExpectations.observeAdd(key, pod);
  }
  // Pods on a deleted node go at once; pods bound to a node never seen get a quarantine
  // first (Kubernetes' podgc waits 40 s), since a node agent may register after its pods were bound.
  const nodeInformer = informers.for<Node>(NODES);
  nodeInformer.addHandlers({ onDelete: (node) => podGc.enqueue(node.metadata.name) });
  // Node health: the node's own changes and its heartbeat Lease. A change of NoExecute taints
  // concerns every pod on the node.
  onChange<Node>(informers, NODES, (node, old) => {
    nodeLifecycle.enqueue(node.metadata.name);
    const noExecute = (n: Node | undefined) => JSON.stringify((n?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute'));
    if (noExecute(node) === noExecute(old)) return;
    for (const pod of podInformer.list()) if (pod.spec?.nodeName === node.metadata.name) taintEviction.enqueue(objectKeyOf(pod));
  });
  onChange(informers, LEASES, (lease) => {
    if (lease.metadata.namespace === NODE_LEASE_NAMESPACE) nodeLifecycle.enqueue(lease.metadata.name);
  });
  onChange<Pod>(informers, PODS, (pod, old) => {
    const ns = pod.metadata.namespace;
    const nodeName = pod.spec?.nodeName;
    if (nodeName && (nodeInformer.get(undefined, nodeName)?.spec?.taints ?? []).some((t) => t.effect === 'NoExecute')) taintEviction.enqueue(objectKeyOf(pod));
    if (nodeName && !old?.spec?.nodeName && !nodeInformer.get(undefined, nodeName)) podGc.queue.addAfter(nodeName, POD_GC_QUARANTINE_MS);
    const ref = controllerOf(pod.metadata);
    if (ref?.kind === 'ReplicaSet') replicaSets.enqueue(joinKey(ns, ref.name));
    else if (ref?.kind === 'Job') jobs.enqueue(joinKey(ns, ref.name));
    else if (!ref) {
      for (const rs of rsInformer.list()) {
        if (rs.metadata.namespace === ns && matchesSelector(pod.metadata.labels, rs.spec?.selector)) replicaSets.enqueue(objectKeyOf(rs));
      }
    }
    for (const svc of svcInformer.list()) {
      if (svc.metadata.namespace !== ns) continue;
      if (matchesLabels(pod.metadata.labels, svc.spec?.selector) || (old && matchesLabels(old.metadata.labels, svc.spec?.selector))) {
        endpoints.enqueue(objectKeyOf(svc));
        slices.enqueue(objectKeyOf(svc));
      }
    }
  });

  // Deployments: their own changes and their ReplicaSets' (status moves the rollout on).
  onChange<Deployment>(informers, DEPLOYMENTS, (d) => {
    deployments.enqueue(objectKeyOf(d));
    progressDeadlines.enqueue(objectKeyOf(d));
  });
  onChange<ReplicaSet>(informers, REPLICA_SETS, (rs) => {
    const ref = controllerOf(rs.metadata);
    if (ref?.kind === 'Deployment') deployments.enqueue(joinKey(rs.metadata.namespace, ref.name));
    else if (!ref) {
      for (const d of deployInformer.list()) {
        if (d.metadata.namespace === rs.metadata.namespace && matchesSelector(rs.metadata.labels, d.spec?.selector)) deployments.enqueue(objectKeyOf(d));
      }
    }
  });

  // Endpoints and EndpointSlices follow Services; a changed or deleted Endpoints/slice is put back.
  onChange<Service>(informers, SERVICES, (svc) => {
    endpoints.enqueue(objectKeyOf(svc));
    slices.enqueue(objectKeyOf(svc));
  });
  onChange(informers, ENDPOINTS, (ep) => {
    endpoints.enqueue(objectKeyOf(ep));
    slices.enqueue(objectKeyOf(ep));
  });
  onChange(informers, ENDPOINT_SLICES, (slice) => {
    const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (svc) slices.enqueue(joinKey(slice.metadata.namespace, svc));
  });

  // Jobs, and finished Jobs with a TTL (kept until it expires).
  onChange<Job>(informers, JOBS, (job) => {
    jobs.enqueue(objectKeyOf(job));
    if (needsTtlCleanup(job)) jobTtl.enqueue(objectKeyOf(job));
  });

  watchCronJobs(informers, cronJobs);
  watchDaemonSets(informers, daemonSets);

  // Namespaces and their default ServiceAccount.
  onChange(informers, NAMESPACES, (ns) => {
    namespaces.enqueue(ns.metadata.name);
    serviceAccounts.enqueue(ns.metadata.name);
  });
  onChange(informers, SERVICE_ACCOUNTS, (sa) => {
    if (sa.metadata.namespace) serviceAccounts.enqueue(sa.metadata.namespace);
  });

  // Garbage collection: a dependency graph fed by every collected type.
  const graph = new DependencyGraph();
  const collected = new Set<string>();
  const collect = (type: ResourceType): void => {
    if (collected.has(`${type.group}/${type.plural}`)) return;
    collected.add(`${type.group}/${type.plural}`);
    const informer = informers.for(type);
    const keyOf = (obj: KubeObject) => gcKey(type, obj.metadata.namespace, obj.metadata.name);
    const touch = (obj: KubeObject, old: KubeObject | undefined, deleted: boolean) => {
      if (deleted) graph.remove(obj.metadata.uid);
      else graph.upsert(obj.metadata.uid, keyOf(obj), obj.metadata.ownerReferences ?? []);
      const refsChanged = JSON.stringify(old?.metadata.ownerReferences ?? null) !== JSON.stringify(obj.metadata.ownerReferences ?? null);
      if (!deleted && (obj.metadata.ownerReferences?.length ?? 0) > 0 && (!old || refsChanged)) gc.enqueue(keyOf(obj));
      const finalizers = obj.metadata.finalizers ?? [];
      const marked = obj.metadata.deletionTimestamp !== undefined;
      if (!deleted && marked && (finalizers.includes(FOREGROUND_FINALIZER) || finalizers.includes(ORPHAN_FINALIZER))) gc.enqueue(keyOf(obj));
      // An owner going away (or being marked) concerns its dependents.
      if (deleted || (marked && !old?.metadata.deletionTimestamp)) for (const dep of graph.dependentsOf(obj.metadata.uid)) gc.enqueue(dep);
      // A dependent going away may unblock an owner waiting in the foreground.
      if (deleted || marked) for (const owner of graph.ownersOf(obj.metadata.ownerReferences ?? [])) gc.enqueue(owner);
      // A namespace being emptied finishes when its last object is gone.
      const ns = obj.metadata.namespace;
      if (deleted && ns && nsInformer.get(undefined, ns)?.metadata.deletionTimestamp) namespaces.enqueue(ns);
    };
    informer.addHandlers({
      onAdd: (obj) => touch(obj, undefined, false),
      onUpdate: (old, obj) => touch(obj, old, false),
      onDelete: (obj) => touch(obj, undefined, true),
    });
  };
  for (const type of GC_TYPES) collect(type);

  // CRDs: established into the catalog; the kinds they add are collected too.
  if (kinds) {
    const crds = make(createCrdReconciler({ client, kinds, clock }), WORKERS.crd);
    onChange(informers, CUSTOM_RESOURCE_DEFINITIONS, (crd) => crds.enqueue(crd.metadata.name));
    kinds.onChange(() => {
      for (const c of kinds.customKinds()) collect(c.type);
    });
  }

  for (const c of controllers) c.start();
  progressDeadlines.start();
  podGc.start();
  nodeLifecycle.start();
  taintEviction.start();
  jobTtl.start();
  cronJobs.start();
  quotas.start();
  informers.start();
  await informers.waitForSync();

  return {
    idle: () => informers.synced() && controllers.every((c) => c.idle()),
    async stop() {
      if (ownsInformers) informers.stop();
      await Promise.all([...controllers, progressDeadlines, podGc, nodeLifecycle, taintEviction, jobTtl, cronJobs, quotas].map((c) => c.stop()));
    },
  };
}
