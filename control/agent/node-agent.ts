// The node agent (meshlet's kubelet). It watches the pods bound to its node
// and, per pod, reconciles toward: an IP from the node's subnet, a sidecar,
// the containers running as real processes, and a Pod status that says so.
// reconcile(podKey) re-reads the pod and is safe to repeat; runtime status
// changes only enqueue the key.

import { PODS, isApiError, systemClock } from '../api/index.ts';
import type { Client, Clock, Container, Pod, PodCondition, Timer } from '../api/index.ts';
import { Controller, Informer, createEventRecorder } from '../runtime/index.ts';
import type { EventRecorder, ReconcileResult, Reconciler } from '../runtime/index.ts';
import type { ContainerRunSpec, PodRunSpec, PodRunStatus, PodRuntime, RunningPod } from './containers/index.ts';
import { containerVolumeMounts, hasUpdatableVolumes, resolvePodVolumes, VolumeMountError } from './volume-sources.ts';
import type { ServiceAccountTokenSource } from './volume-sources.ts';
import { podSandbox } from './pod-sandbox.ts';
import type { ClusterDns } from './pod-sandbox.ts';
import { resolveContainerEnv } from './container-env.ts';
import { resolveServiceLinks } from './service-links.ts';
import { buildPodStatus, sameStatus } from './pod-status.ts';
import { registerNode } from './node-registration.ts';
import type { NodeRegistration } from './node-registration.ts';
import { postNodeReady } from './node-readiness.ts';
import { VOLUME_WAIT_RECHECK_MS, volumesNotReady, waitingForVolumesStatus } from './volume-attach-gate.ts';
import type { UsageSubject } from './usage-sampler.ts';

/** Hands out pod IPs from this node's subnet (overlay/ipam's PodIpAllocator fits). */
export interface PodIpSource {
  allocate(podKey: string): Promise<string>;
  release(podKey: string): Promise<void>;
  /** Frees every IP whose key is not listed (pods deleted while the agent was down). */
  retainOnly?(podKeys: Iterable<string>): Promise<unknown>;
}

export interface SidecarHandle {
  close(): Promise<void>;
}

export interface NodeAgentOptions {
  client: Client;
  nodeName: string;
  /** The node's own address (.1 of its subnet). */
  nodeAddress: string;
  podCidr: string;
  podIps: PodIpSource;
  runtime: PodRuntime;
  /** Network environment for a pod's containers (POD_IP, DNS, proxy, preload). */
  networkEnv(pod: Pod, podIp: string, sidecarOutbound: string | undefined): Promise<Record<string, string>>;
  /** Starts the pod's sidecar; absent → pods run without sidecars. */
  startSidecar?(pod: Pod, podIp: string): Promise<SidecarHandle>;
  /** Port of the sidecar's outbound listener on the pod IP. Default 15001. */
  sidecarOutboundPort?: number;
  clock?: Clock;
  labels?: Record<string, string>;
  /** Port of this node's log endpoint, published on the Node for the API server. */
  kubeletPort?: number;
  /** How often the node's Lease is renewed (and its Ready condition re-posted if lost). Default 10 s. */
  heartbeatMs?: number;
  /**
   * Start a pod only once each Bound claim's volume is attached to this node (a VolumeAttachment the
   * attach/detach controller writes), as the kubelet waits for attachable volumes. Needs that
   * controller running; default false.
   */
  waitForVolumeAttach?: boolean;
  /** The cluster DNS: given, each pod gets its own /etc/resolv.conf, /etc/hosts and hostname (where mount namespaces work). */
  clusterDns?: ClusterDns;
  /** Issues service-account tokens for projected serviceAccountToken sources (the kube-api-access volume). */
  serviceAccountToken?: ServiceAccountTokenSource;
  /** How often configMap/secret/downwardAPI/projected volume files are re-read and swapped in. Default 10 s (Kubernetes promises about a minute). */
  volumeSyncMs?: number;
}

/** kubelet-like retry of a pod whose volumes cannot be mounted yet: 250 ms doubling, capped. */
const MOUNT_RETRY_FIRST_MS = 250;
const MOUNT_RETRY_MAX_MS = 8_000;

/** The kubelet's status for pods it stopped because the node shuts down (GracefulNodeShutdown). */
export const NODE_SHUTDOWN_POD_REASON = 'Terminated';
export const NODE_SHUTDOWN_POD_MESSAGE = 'Pod was terminated in response to imminent node shutdown.';

interface PodRecord {
  uid: string;
  ipKey: string;
  podIp: string;
  running: RunningPod | undefined;
  sidecar: SidecarHandle | undefined;
  latest: PodRunStatus | undefined;
  /** Why the pod could not start (env, IP exhaustion …), shown as its status. */
  startError?: { reason: string; message: string };
  /** What the runtime is asked to run, once env and mounts are resolved (volumes are added when they mount). */
  runSpec?: Omit<PodRunSpec, 'volumes'>;
  /** The latest FailedMount message while the containers wait for their volumes. */
  mountError?: string;
  mountAttempts: number;
  /** Clock time the volume files were last read. */
  volumesSyncedAt: number;
}

export class NodeAgent implements Reconciler {
  readonly name: string;
  readonly nodeName: string;
  private readonly options: NodeAgentOptions;
  private readonly clock: Clock;
  private readonly informer: Informer<Pod>;
  private readonly controller: Controller;
  private readonly events: EventRecorder;
  private readonly pods = new Map<string, PodRecord>();
  private registration: NodeRegistration | undefined;
  private readinessTimer: Timer | undefined;
  private draining = false;

  constructor(options: NodeAgentOptions) {
    this.options = options;
    this.nodeName = options.nodeName;
    this.name = `node-agent/${options.nodeName}`;
    this.clock = options.clock ?? systemClock;
    this.informer = new Informer<Pod>(options.client, PODS, { fieldSelector: `spec.nodeName=${options.nodeName}` });
    this.controller = new Controller(this, {
      workers: 4,
      baseDelayMs: 200,
      maxDelayMs: 10_000,
      onError: (_name, key, err) => {
        if (!isApiError(err, 'Conflict')) process.emitWarning(`control/agent: ${options.nodeName}: pod ${key}: ${String(err)}`);
      },
    });
    this.events = createEventRecorder(options.client, 'kubelet', options.nodeName, this.clock);
    const enqueue = (pod: Pod) => this.controller.enqueue(podKey(pod));
    this.informer.addHandlers({ onAdd: enqueue, onUpdate: (_old, pod) => enqueue(pod), onDelete: enqueue });
  }

  async start(): Promise<void> {
    this.registration = await registerNode({
      client: this.options.client,
      nodeName: this.nodeName,
      nodeAddress: this.options.nodeAddress,
      podCidr: this.options.podCidr,
      labels: this.options.labels,
      kubeletPort: this.options.kubeletPort,
      clock: this.clock,
      heartbeatMs: this.options.heartbeatMs,
    });
    this.keepNodeReady();
    try {
      this.informer.start();
      await this.informer.waitForSync();
      await this.options.podIps.retainOnly?.(this.informer.list().map(ipKey));
    } catch (err) {
      // A failed start must not leave the heartbeat timer or the watch holding the process open.
      this.readinessTimer?.cancel();
      this.informer.stop();
      await this.registration.stop();
      throw err;
    }
    this.controller.start();
  }

  /** Pods this agent is running, for status output. */
  runningPods(): { key: string; podIp: string }[] {
    return [...this.pods].map(([key, r]) => ({ key, podIp: r.podIp }));
  }

  idle(): boolean {
    return this.controller.idle();
  }

  /** The running pods' containers, for usage sampling (UsageSampler). */
  usageSubjects(): UsageSubject[] {
    const out: UsageSubject[] = [];
    for (const [key, record] of this.pods) {
      const running = record.running;
      if (!running) continue;
      const [namespace, name] = splitKey(key);
      out.push({ namespace, name, uid: record.uid, containers: () => running.usage() });
    }
    return out;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = splitKey(key);
    const pod = this.informer.get(namespace, name);
    const record = this.pods.get(key);
    if (record && (!pod || pod.metadata.uid !== record.uid)) await this.teardown(key, record, { removeLogs: true });
    if (!pod) return;
    if (pod.metadata.deletionTimestamp) {
      const current = this.pods.get(key);
      if (current) await this.teardown(key, current, { gracePeriodSeconds: pod.metadata.deletionGracePeriodSeconds, removeLogs: true });
      try {
        await this.options.client.delete(PODS, namespace, name, { gracePeriodSeconds: 0 });
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
      return;
    }
    let current = this.pods.get(key);
    if (!current) {
      const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
      if (finished) return; // a finished pod is never started again (restart of the agent)
      if (this.options.waitForVolumeAttach && (await volumesNotReady(this.options.client, pod, this.nodeName)).length > 0) return this.waitForVolumes(pod);
      current = await this.startPod(key, pod);
    } else if (!current.running && current.runSpec && current.mountError !== undefined) {
      await this.mountAndRun(key, pod, current);
    } else if (current.running && hasUpdatableVolumes(pod) && this.clock.now() - current.volumesSyncedAt >= this.volumeSyncMs) {
      await this.refreshVolumes(pod, current);
    }
    await this.syncStatus(pod, current);
    if (current.mountError !== undefined) {
      return { requeueAfterMs: Math.min(MOUNT_RETRY_MAX_MS, MOUNT_RETRY_FIRST_MS * 2 ** Math.max(0, current.mountAttempts - 1)) };
    }
    if (current.running && hasUpdatableVolumes(pod)) {
      return { requeueAfterMs: Math.max(1, this.volumeSyncMs - (this.clock.now() - current.volumesSyncedAt)) };
    }
  }

  private get volumeSyncMs(): number {
    return this.options.volumeSyncMs ?? 10_000;
  }

  /**
   * Mounts the pod's volumes and starts its containers; while a volume cannot be
   * mounted the containers wait in ContainerCreating with a FailedMount event,
   * and reconcile retries with back-off, as the kubelet does.
   */
  private async mountAndRun(key: string, pod: Pod, record: PodRecord): Promise<void> {
    const runSpec = record.runSpec!;
    let volumes;
    try {
      volumes = await resolvePodVolumes({ client: this.options.client, pod, serviceAccountToken: this.options.serviceAccountToken });
    } catch (err) {
      if (!(err instanceof VolumeMountError)) throw err;
      record.mountError = err.message;
      record.mountAttempts++;
      record.latest = waitingForVolumes(runSpec);
      this.events.record(pod, 'Warning', 'FailedMount', err.message);
      return;
    }
    record.mountError = undefined;
    record.volumesSyncedAt = this.clock.now();
    const sandbox = this.options.clusterDns ? { sandbox: podSandbox(pod, record.podIp, this.options.clusterDns) } : {};
    record.running = this.options.runtime.startPod({ ...runSpec, volumes, ...sandbox }, (status) => {
      if (this.pods.get(key) !== record) return;
      record.latest = status;
      for (const e of status.events) this.events.record(pod, e.type, e.reason, e.message, e.container ? `spec.containers{${e.container}}` : undefined);
      this.controller.enqueue(key);
    });
    record.latest = record.running.status();
  }

  /** Re-reads configMap/secret/downwardAPI/projected volumes and swaps changed files in; a failure keeps the old files (FailedMount). */
  private async refreshVolumes(pod: Pod, record: PodRecord): Promise<void> {
    record.volumesSyncedAt = this.clock.now();
    let volumes;
    try {
      volumes = await resolvePodVolumes({ client: this.options.client, pod, serviceAccountToken: this.options.serviceAccountToken });
    } catch (err) {
      if (!(err instanceof VolumeMountError)) throw err;
      this.events.record(pod, 'Warning', 'FailedMount', err.message);
      return;
    }
    for (const volume of volumes) if (volume.kind === 'files') record.running?.updateVolume(volume.name, volume.files);
  }

  /**
   * Graceful node shutdown: the node turns Ready=False so nothing new lands here, every pod
   * stops within its terminationGracePeriodSeconds and is reported Failed ("Terminated") so its
   * controller replaces it elsewhere, then the heartbeat stops.
   */
  async drain(): Promise<void> {
    this.draining = true;
    this.readinessTimer?.cancel();
    await postNodeReady(this.options.client, this.nodeName, false, this.nowIso()).catch((err: unknown) => this.warn('could not mark the node NotReady', err));
    this.informer.stop();
    await this.controller.stop();
    await Promise.all([...this.pods].map(([key, record]) => this.shutDownPod(key, record)));
    this.readinessTimer?.cancel();
    await this.registration?.stop();
  }

  async stop(): Promise<void> {
    this.draining = true;
    this.readinessTimer?.cancel();
    this.informer.stop();
    await this.controller.stop();
    await Promise.all([...this.pods].map(([key, record]) => this.teardown(key, record)));
    await this.registration?.stop();
  }

  /** Re-posts Ready=True whenever it was lost (the node lifecycle controller marks a silent node Unknown). */
  private keepNodeReady(): void {
    this.readinessTimer = this.clock.setTimer(this.options.heartbeatMs ?? 10_000, () => {
      if (this.draining) return;
      void postNodeReady(this.options.client, this.nodeName, true, this.nowIso())
        .catch((err: unknown) => this.warn('could not post node status', err))
        .finally(() => {
          if (!this.draining) this.keepNodeReady();
        });
    });
  }

  private async shutDownPod(key: string, record: PodRecord): Promise<void> {
    await this.teardown(key, record);
    const [namespace, name] = splitKey(key);
    const pod = await this.options.client.get<Pod>(PODS, namespace, name).catch(() => undefined);
    if (!pod || pod.metadata.uid !== record.uid || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    const now = this.nowIso();
    const status = buildPodStatus(pod, record.running?.status(), record.podIp, this.options.nodeAddress, now);
    const notReady = (c: PodCondition): PodCondition => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', lastTransitionTime: now } : c);
    const conditions = [
      ...(status.conditions ?? []).map(notReady),
      { type: 'DisruptionTarget', status: 'True' as const, reason: 'TerminationByKubelet', message: NODE_SHUTDOWN_POD_MESSAGE, lastTransitionTime: now },
    ];
    const { resourceVersion: _rv, ...metadata } = pod.metadata;
    await this.options.client
      .updateStatus(PODS, { ...pod, metadata, status: { ...status, phase: 'Failed', reason: NODE_SHUTDOWN_POD_REASON, message: NODE_SHUTDOWN_POD_MESSAGE, conditions } })
      .catch((err: unknown) => {
        if (!isApiError(err, 'NotFound')) this.warn(`could not report pod ${key} terminated`, err);
      });
  }

  private nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private warn(what: string, err: unknown): void {
    process.emitWarning(`control/agent: ${this.nodeName}: ${what}: ${errorMessage(err)}`);
  }

  private async startPod(key: string, pod: Pod): Promise<PodRecord> {
    const podIp = await this.options.podIps.allocate(ipKey(pod)).catch((err: unknown) => {
      this.events.record(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorMessage(err)}`);
      throw err;
    });
    const record: PodRecord = { uid: pod.metadata.uid, ipKey: ipKey(pod), podIp, running: undefined, sidecar: undefined, latest: undefined, mountAttempts: 0, volumesSyncedAt: 0 };
    this.pods.set(key, record);
    const injectSidecar = this.options.startSidecar && pod.metadata.annotations?.['sidecar.istio.io/inject'] !== 'false';
    try {
      if (injectSidecar) record.sidecar = await this.options.startSidecar!(pod, podIp);
      const outbound = record.sidecar ? `http://${podIp}:${this.options.sidecarOutboundPort ?? 15001}` : undefined;
      // Service links come first: the network's variables and the container's own env win over them.
      const links = await resolveServiceLinks(this.options.client, pod);
      const base = { ...links, ...(await this.options.networkEnv(pod, podIp, outbound)) };
      const toRunSpec = async (c: Container): Promise<ContainerRunSpec> => {
        const env = keepNetworkNodeOptions(await resolveContainerEnv(this.options.client, pod, c, podIp, this.nodeName, base), base);
        return {
          name: c.name,
          image: c.image,
          command: c.command,
          args: c.args,
          env,
          workingDir: c.workingDir,
          ports: c.ports,
          readinessProbe: c.readinessProbe,
          livenessProbe: c.livenessProbe,
          startupProbe: c.startupProbe,
          lifecycle: c.lifecycle,
          volumeMounts: containerVolumeMounts(c, env),
        };
      };
      const spec = pod.spec!;
      const containers = await Promise.all(spec.containers.map(toRunSpec));
      const initContainers = await Promise.all((spec.initContainers ?? []).map(toRunSpec));
      record.runSpec = {
        uid: pod.metadata.uid,
        namespace: pod.metadata.namespace ?? 'default',
        name: pod.metadata.name,
        podIp,
        restartPolicy: spec.restartPolicy ?? 'Always',
        terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
        initContainers,
        containers,
      };
      await this.mountAndRun(key, pod, record);
    } catch (err) {
      record.startError = { reason: 'CreateContainerConfigError', message: errorMessage(err) };
      this.events.record(pod, 'Warning', 'Failed', `Error: ${errorMessage(err)}`);
    }
    return record;
  }

  /** Claims not bound or volumes not attached yet: Pending in ContainerCreating, looked at again shortly. */
  private async waitForVolumes(pod: Pod): Promise<ReconcileResult> {
    const status = waitingForVolumesStatus(pod, this.options.nodeAddress, this.nowIso());
    if (!sameStatus(pod.status, status)) {
      const { resourceVersion: _rv, ...metadata } = pod.metadata;
      await this.options.client.updateStatus(PODS, { ...pod, metadata, status }).catch((err: unknown) => {
        if (!isApiError(err, 'NotFound')) throw err;
      });
    }
    return { requeueAfterMs: VOLUME_WAIT_RECHECK_MS };
  }

  private async syncStatus(pod: Pod, record: PodRecord): Promise<ReconcileResult | void> {
    const now = new Date(this.clock.now()).toISOString();
    const status = buildPodStatus(pod, record.latest, record.podIp, this.options.nodeAddress, now);
    if (record.startError) {
      status.reason = record.startError.reason;
      status.message = record.startError.message;
    }
    if (sameStatus(pod.status, status)) return;
    const { resourceVersion: _rv, ...metadata } = pod.metadata;
    try {
      await this.options.client.updateStatus(PODS, { ...pod, metadata, status });
    } catch (err) {
      if (isApiError(err, 'NotFound')) return;
      throw err;
    }
  }

  private async teardown(key: string, record: PodRecord, stop: { gracePeriodSeconds?: number; removeLogs?: boolean } = {}): Promise<void> {
    this.pods.delete(key);
    await record.running?.stop(stop).catch(() => undefined);
    await record.sidecar?.close().catch(() => undefined);
    await this.options.podIps.release(record.ipKey).catch(() => undefined);
  }
}

/** What a pod whose volumes are not mounted yet reports: every container waiting in ContainerCreating, as the kubelet shows it. */
function waitingForVolumes(spec: Omit<PodRunSpec, 'volumes'>): PodRunStatus {
  const waiting = (reason: string) => (c: ContainerRunSpec) => ({ name: c.name, image: c.image ?? '', ready: false, started: false, restartCount: 0, state: { waiting: { reason } } });
  const inits = spec.initContainers ?? [];
  return {
    phase: 'Pending',
    ready: false,
    initialized: inits.length === 0,
    containerStatuses: spec.containers.map(waiting(inits.length > 0 ? 'PodInitializing' : 'ContainerCreating')),
    ...(inits.length > 0 ? { initContainerStatuses: inits.map(waiting('ContainerCreating')) } : {}),
    events: [],
  };
}

/** IPs belong to one pod instance: namespace/name plus uid (a re-created pod is a new instance). */
function ipKey(pod: Pod): string {
  return `${podKey(pod)}/${pod.metadata.uid}`;
}

function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

/** A container's own NODE_OPTIONS keep the network's (the pod preload) appended. */
function keepNetworkNodeOptions(env: Record<string, string>, base: Record<string, string>): Record<string, string> {
  const network = base.NODE_OPTIONS;
  if (!network || env.NODE_OPTIONS === network || env.NODE_OPTIONS?.includes(network)) return env;
  return { ...env, NODE_OPTIONS: env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ${network}` : network };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
