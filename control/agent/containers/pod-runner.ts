// Runs one pod: init containers in order, then the main containers, each
// restarted on its own as kubelet does, per the pod's restartPolicy:
//   Always     any exit → that container restarts (CrashLoopBackOff after the first)
//   OnFailure  non-zero exit (or killed by a failed probe or postStart hook) →
//              restart; zero → Completed, the pod Succeeds when all are
//   Never      no restart; the pod ends Succeeded (all zero) or Failed once
//              every container has exited
// A failed init container is retried alone with back-off (Never: pod Failed).
// A container that cannot be started (RunContainerError) counts as a failed
// exit; an unmapped image leaves its container waiting and the pod Pending.

import { mkdirSync } from 'node:fs';
import type { Clock } from '../../api/index.ts';
import { ContainerSlot } from './container-slot.ts';
import type { SlotContext } from './container-slot.ts';
import { podLogDir } from './log-files.ts';
import type { ProcessExit } from './process-group.ts';
import { groupUsage } from './resource-usage.ts';
import { PodVolumes } from './pod-volumes.ts';
import type { ContainerUsage, ImageMap, MountSupport, VolumeFile, PodRunEvent, PodRunPhase, PodRunSpec, PodRunStatus, RestartBackoffOptions, RunningPod } from './types.ts';

export interface PodRunnerOptions {
  runDir: string;
  pidDir: string;
  imageMap(): ImageMap;
  clock: Clock;
  restartBackoff: RestartBackoffOptions;
  probeTimeScale: number;
  portReadiness: { intervalMs: number; maxIntervalMs: number };
  mountSupport: MountSupport;
}

type Stage = 'init' | 'running' | 'terminal' | 'stopping' | 'stopped';

export class PodRunner implements RunningPod {
  readonly uid: string;
  readonly logDir: string;
  readonly initSlots: ContainerSlot[];
  readonly mainSlots: ContainerSlot[];
  private stage: Stage = 'init';
  private terminalPhase: PodRunPhase | undefined;
  private initIndex = 0;
  private pendingEvents: PodRunEvent[] = [];
  private flushHandle: NodeJS.Immediate | undefined;
  private stopping: Promise<void> | undefined;
  private readonly gracePeriodSeconds: number;
  readonly volumes: PodVolumes;
  /** Why the pod's volumes could not be set up (its containers then wait in ContainerCreating). */
  private mountFailure: string | undefined;

  constructor(
    readonly spec: PodRunSpec,
    private readonly options: PodRunnerOptions,
    private readonly onStatus: (status: PodRunStatus) => void,
  ) {
    this.uid = spec.uid;
    this.logDir = podLogDir(options.runDir, spec.namespace, spec.name, spec.uid);
    this.gracePeriodSeconds = spec.terminationGracePeriodSeconds ?? 30;
    this.volumes = new PodVolumes(options.runDir, spec, options.mountSupport);
    const ctx: SlotContext = {
      podIp: spec.podIp,
      namespace: spec.namespace,
      pod: spec.name,
      podRef: `${spec.name}_${spec.namespace}(${spec.uid})`,
      logDir: this.logDir,
      pidDir: options.pidDir,
      imageMap: () => options.imageMap(),
      probeTimeScale: options.probeTimeScale,
      portReadiness: options.portReadiness,
      gracePeriodSeconds: this.gracePeriodSeconds,
      restartBackoff: options.restartBackoff,
      now: () => options.clock.now(),
      isolate: (container, cwd) => this.volumes.containerCommand(container, cwd),
      event: (e) => {
        this.pendingEvents.push(e);
        this.changed();
      },
      changed: () => this.changed(),
    };
    const inits = spec.initContainers ?? [];
    this.initSlots = inits.map((c) => new ContainerSlot(c, true, ctx, 'PodInitializing'));
    this.mainSlots = spec.containers.map((c) => new ContainerSlot(c, false, ctx, inits.length > 0 ? 'PodInitializing' : 'ContainerCreating'));
    for (const slot of [...this.initSlots, ...this.mainSlots]) slot.onExit = (s, exit) => this.handleExit(s, exit);
  }

  start(): void {
    mkdirSync(this.logDir, { recursive: true });
    this.changed();
    // As the kubelet: no container starts until every volume is mounted; a volume that cannot be is a FailedMount.
    const problems = this.volumes.problems();
    for (const p of problems) this.event('Warning', 'FailedMount', p.message);
    if (problems.length === 0) {
      try {
        this.volumes.setUp();
      } catch (err) {
        this.event('Warning', 'FailedMount', (err as Error).message);
        problems.push({ volume: '', message: (err as Error).message });
      }
    }
    if (problems.length > 0) {
      this.mountFailure = problems.map((p) => p.message).join('; ');
      for (const slot of [...this.initSlots, ...this.mainSlots]) slot.setWaiting(slot.init ? 'PodInitializing' : 'ContainerCreating');
      return;
    }
    this.runInit();
  }

  /** Rewrites a configMap/secret/downwardAPI/projected volume in place; true when the files changed. */
  updateVolume(name: string, files: VolumeFile[]): boolean {
    if (this.stage === 'stopping' || this.stage === 'stopped' || this.mountFailure !== undefined) return false;
    return this.volumes.update(name, files);
  }

  /** True once the pod will run nothing more (stopped, or Succeeded/Failed with every process gone). */
  get finished(): boolean {
    if (this.stage === 'stopped') return true;
    return this.stage === 'terminal' && [...this.initSlots, ...this.mainSlots].every((s) => !s.running);
  }

  slot(name: string): ContainerSlot | undefined {
    return this.mainSlots.find((s) => s.name === name) ?? this.initSlots.find((s) => s.name === name);
  }

  private event(type: PodRunEvent['type'], reason: string, message: string, container?: string): void {
    this.pendingEvents.push({ type, reason, message, ...(container ? { container } : {}) });
    this.changed();
  }

  private runInit(): void {
    while (this.stage === 'init') {
      const slot = this.initSlots[this.initIndex];
      if (!slot) {
        this.startMain();
        return;
      }
      if (slot.completed) {
        this.initIndex++;
        continue;
      }
      const outcome = slot.start();
      if (outcome === 'failed') this.failInit(slot);
      return;
    }
  }

  private failInit(slot: ContainerSlot): void {
    if (this.spec.restartPolicy === 'Never') {
      this.finish('Failed');
      return;
    }
    this.scheduleRestart(slot, () => {
      if (this.stage !== 'init') return;
      slot.restartCount++;
      this.runInit();
    });
  }

  private startMain(): void {
    this.stage = 'running';
    this.startSlots(this.mainSlots);
  }

  private startSlots(slots: ContainerSlot[]): void {
    for (const slot of slots) {
      if (slot.start() === 'failed') this.mainFailed(slot);
    }
  }

  private handleExit(slot: ContainerSlot, exit: ProcessExit): void {
    if (this.stage === 'stopping' || this.stage === 'stopped') return;
    if (this.stage === 'terminal') {
      this.changed();
      return;
    }
    if (slot.init) {
      if (exit.exitCode === 0) {
        slot.completed = true;
        this.initIndex++;
        this.runInit();
      } else {
        this.failInit(slot);
      }
      return;
    }
    // kubelet restarts a container killed for a failed probe or postStart hook even when it exited 0.
    const succeeded = exit.exitCode === 0 && !slot.probeKilled && !slot.postStartFailed;
    if (succeeded && this.spec.restartPolicy === 'OnFailure') {
      slot.completed = true;
      this.maybeComplete();
      return;
    }
    this.mainFailed(slot);
  }

  /** A main container exited (or could not start) and is not done: restart it alone, unless the policy is Never. */
  private mainFailed(slot: ContainerSlot): void {
    if (this.spec.restartPolicy === 'Never') {
      slot.completed = true;
      this.maybeComplete();
      return;
    }
    this.scheduleRestart(slot, () => {
      if (this.stage !== 'running') return;
      if (slot.everRan || slot.state.waiting?.reason === 'RunContainerError') slot.restartCount++;
      this.startSlots([slot]);
    });
  }

  /** Whether a container waits for an image the map does not have. */
  get waitsForImage(): boolean {
    return [...this.initSlots, ...this.mainSlots].some((s) => s.state.waiting?.reason === 'ImageNotMapped');
  }

  /** Tries again to start containers that wait with ImageNotMapped (the image map changed). */
  retryImageNotMapped(): void {
    if (this.stage === 'init') {
      const slot = this.initSlots[this.initIndex];
      if (slot?.state.waiting?.reason === 'ImageNotMapped') this.runInit();
      return;
    }
    if (this.stage !== 'running') return;
    this.startSlots(this.mainSlots.filter((s) => s.state.waiting?.reason === 'ImageNotMapped'));
  }

  /** Main containers under OnFailure/Never: the pod ends once every one has exited for good. */
  private maybeComplete(): void {
    const allDone = this.mainSlots.every((s) => s.completed && !s.running);
    if (!allDone) return;
    const failed = this.mainSlots.some((s) => s.lastExitCode !== 0);
    this.finish(failed ? 'Failed' : 'Succeeded');
  }

  private finish(phase: 'Succeeded' | 'Failed'): void {
    this.stage = 'terminal';
    this.terminalPhase = phase;
    for (const s of [...this.initSlots, ...this.mainSlots]) {
      s.restartTimer?.cancel();
      s.restartTimer = undefined;
      void s.kill(this.gracePeriodSeconds);
    }
    this.changed();
  }

  /**
   * Restarts one exited container after its back-off: the first crash in a
   * row keeps its terminated state (kubectl shows Error or Completed) until a
   * prompt restart; later ones wait in CrashLoopBackOff (RunContainerError and
   * ImageNotMapped keep their more telling reasons), as kubelet does.
   */
  private scheduleRestart(slot: ContainerSlot, restart: () => void): void {
    const ranFor = slot.everRan ? this.options.clock.now() - slot.startedAtMs : 0;
    const { delayMs, backingOff } = slot.backoff.next(ranFor);
    if (backingOff) {
      const reason = slot.state.waiting?.reason;
      if (reason !== 'RunContainerError' && reason !== 'ImageNotMapped') {
        slot.rememberLastState();
        slot.setWaiting('CrashLoopBackOff', `back-off ${formatDelay(delayMs)} restarting failed container=${slot.name} pod=${slot.podRef}`);
      }
      this.event('Warning', 'BackOff', `Back-off restarting failed container ${slot.name} in pod ${slot.podRef}`, slot.name);
    }
    slot.restartTimer?.cancel();
    slot.restartTimer = this.options.clock.setTimer(delayMs, () => {
      slot.restartTimer = undefined;
      restart();
    });
  }

  usage(): ContainerUsage[] {
    const slots = [...this.initSlots, ...this.mainSlots].filter((s) => s.pid !== undefined && s.pid > 0);
    const byGroup = groupUsage(slots.map((s) => s.pid!));
    return slots.map((s) => ({ name: s.name, pid: s.pid!, ...byGroup.get(s.pid!)! }));
  }

  phase(): PodRunPhase {
    if (this.terminalPhase) return this.terminalPhase;
    if (this.initIndex < this.initSlots.length) return 'Pending';
    return this.mainSlots.every((s) => s.everRan) ? 'Running' : 'Pending';
  }

  status(): PodRunStatus {
    const status: PodRunStatus = {
      phase: this.phase(),
      ready: this.stage === 'running' && this.mainSlots.every((s) => s.ready),
      initialized: this.initIndex >= this.initSlots.length,
      containerStatuses: this.mainSlots.map((s) => s.status()),
      events: [],
    };
    if (this.initSlots.length > 0) status.initContainerStatuses = this.initSlots.map((s) => s.status());
    if (this.mountFailure !== undefined && !this.terminalPhase) {
      status.reason = 'FailedMount';
      status.message = this.mountFailure;
    }
    const unmapped = this.mainSlots.concat(this.initSlots).find((s) => s.state.waiting?.reason === 'ImageNotMapped');
    if (unmapped && !this.terminalPhase) {
      status.reason = 'ImageNotMapped';
      status.message = unmapped.state.waiting?.message ?? '';
    }
    return status;
  }

  private changed(): void {
    if (this.flushHandle || this.stage === 'stopped') return;
    this.flushHandle = setImmediate(() => this.flush());
  }

  private flush(): void {
    clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    const status = this.status();
    status.events = this.pendingEvents;
    this.pendingEvents = [];
    try {
      this.onStatus(status);
    } catch {
      // A failing listener must not stop the pod's lifecycle; the next change reports again.
    }
  }

  stop(options: { gracePeriodSeconds?: number; removeLogs?: boolean } = {}): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stage = 'stopping';
    for (const s of [...this.initSlots, ...this.mainSlots]) {
      s.restartTimer?.cancel();
      s.restartTimer = undefined;
    }
    const grace = options.gracePeriodSeconds ?? this.gracePeriodSeconds;
    const kills = [...this.initSlots, ...this.mainSlots].map((s) => s.kill(grace));
    this.stopping = Promise.all(kills).then(() => {
      // Every process is gone, so the mount namespaces are too; what is left is plain directories (and Memory emptyDirs).
      try {
        this.volumes.tearDown();
      } catch {
        // best effort: `meshlet down` reaps leftovers
      }
      this.stage = 'stopped';
      this.flush();
    });
    return this.stopping;
  }
}

/** Go's time.Duration text, as kubelet prints it: 500ms, 10s, 1m20s, 5m0s. */
function formatDelay(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round((seconds - minutes * 60) * 10) / 10}s`;
}
