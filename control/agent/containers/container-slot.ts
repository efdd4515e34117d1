// One container of a pod across its restarts: starts its process, runs its
// postStart hook and probes, kills it (preStop first), keeps its own restart
// back-off and renders its Kubernetes ContainerStatus. What an exit means
// (restart, phase) is the pod runner's decision.

import type { ContainerState, ContainerStatus } from '../../api/index.ts';
import { resolveContainerCommand } from './command-resolution.ts';
import { ContainerLogBook, containerLogPath } from './log-files.ts';
import { startContainerProcess } from './process-group.ts';
import type { ContainerProcess, ProcessExit } from './process-group.ts';
import { runLifecycleHook } from './lifecycle-hooks.ts';
import { PortReadiness, ProbeWorker, resolvePort } from './probes.ts';
import type { ProbeKind, ProbeTarget } from './probes.ts';
import { RestartBackoff } from './restart-backoff.ts';
import type { ContainerRunSpec, ImageMap, PodRunEvent, RestartBackoffOptions } from './types.ts';
import type { Probe, Timer } from '../../api/index.ts';

/** kubelet's floor for what is left of the grace period after a preStop hook (minimumGracePeriodInSeconds). */
const MIN_GRACE_AFTER_PRESTOP_SECONDS = 2;

export interface SlotContext {
  podIp: string;
  namespace: string;
  pod: string;
  /** kubelet's name for the pod in messages: name_namespace(uid). */
  podRef: string;
  logDir: string;
  pidDir: string;
  imageMap(): ImageMap;
  probeTimeScale: number;
  portReadiness: { intervalMs: number; maxIntervalMs: number };
  gracePeriodSeconds: number;
  restartBackoff: RestartBackoffOptions;
  now(): number;
  /** The argv prefix that runs the program in its own mount namespace (undefined: a plain process); throws when the root cannot be prepared. */
  isolate?(spec: ContainerRunSpec, cwd: string): string[] | undefined;
  event(event: PodRunEvent): void;
  changed(): void;
}

export type StartOutcome = 'started' | 'unmapped' | 'failed';

interface Stoppable {
  stop(): void;
}

export class ContainerSlot {
  readonly name: string;
  readonly log: ContainerLogBook;
  state: ContainerState;
  lastState: ContainerState | undefined;
  restartCount = 0;
  ready = false;
  started = false;
  /** Started at least once (a process ran). */
  everRan = false;
  /** Exited 0 and is not to be restarted (init containers, or main containers under OnFailure/Never). */
  completed = false;
  /** Exit code of the latest instance, when it exited. */
  lastExitCode: number | undefined;
  /** The latest instance was killed because a liveness or startup probe failed. */
  probeKilled = false;
  /** The latest instance was killed because its postStart hook failed. */
  postStartFailed = false;
  /** This container's CrashLoopBackOff state (kubelet keys back-off by container). */
  readonly backoff: RestartBackoff;
  /** The pending restart, while the container waits to be started again. */
  restartTimer: Timer | undefined;
  /** Clock time the latest instance started (the back-off's reset window counts from it). */
  startedAtMs = 0;
  onExit: (slot: ContainerSlot, exit: ProcessExit) => void = () => {};
  private containerID: string | undefined;
  private proc: ContainerProcess | undefined;
  private startedAt: string | undefined;
  private workers: Stoppable[] = [];
  private killTimer: NodeJS.Timeout | undefined;
  /** The kill in progress for the current instance (preStop, TERM, KILL), so a second kill joins it. */
  private killing: Promise<void> | undefined;
  /** Aborts the hooks of the current instance when it exits. */
  private hooks: AbortController | undefined;
  private target: ProbeTarget | undefined;

  constructor(
    readonly spec: ContainerRunSpec,
    readonly init: boolean,
    private readonly ctx: SlotContext,
    initialWaiting: string,
  ) {
    this.name = spec.name;
    this.log = new ContainerLogBook(containerLogPath(ctx.logDir, spec.name));
    this.state = { waiting: { reason: initialWaiting } };
    this.backoff = new RestartBackoff(ctx.restartBackoff);
  }

  /** kubelet's name for the pod in messages: name_namespace(uid). */
  get podRef(): string {
    return this.ctx.podRef;
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  /** The running instance's pid, which is also its process group id. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  setWaiting(reason: string, message?: string): void {
    this.state = { waiting: { reason, ...(message !== undefined ? { message } : {}) } };
    this.ctx.changed();
  }

  /** Moves the current (terminated) state to lastState, as kubelet does when a container restarts. */
  rememberLastState(): void {
    if (this.state.terminated) this.lastState = this.state;
  }

  private warn(reason: string, message: string): void {
    this.ctx.event({ type: 'Warning', reason, message, container: this.name });
  }

  private normal(reason: string, message: string): void {
    this.ctx.event({ type: 'Normal', reason, message, container: this.name });
  }

  start(): StartOutcome {
    const resolved = resolveContainerCommand(this.spec, this.ctx.imageMap());
    if (!resolved.ok) {
      this.rememberLastState();
      this.setWaiting(resolved.reason, resolved.message);
      this.warn('Failed', `Error: ${resolved.reason}: ${resolved.message}`);
      return resolved.reason === 'ImageNotMapped' ? 'unmapped' : 'failed';
    }
    if (this.spec.image) this.normal('Pulled', `Container image "${this.spec.image}" already present on machine`);
    let wrapper: string[] | undefined;
    try {
      wrapper = this.ctx.isolate?.(this.spec, resolved.cwd);
    } catch (err) {
      const message = `failed to prepare the container's mounts: ${(err as Error).message}`;
      this.rememberLastState();
      this.setWaiting('CreateContainerError', message);
      this.warn('Failed', `Error: ${message}`);
      return 'failed';
    }
    this.log.beginInstance(Date.now());
    let proc: ContainerProcess;
    try {
      proc = startContainerProcess({
        ...(wrapper ? { wrapper } : {}),
        file: resolved.file,
        args: resolved.args,
        env: resolved.env,
        cwd: resolved.cwd,
        logFile: this.log.path,
        pidDir: this.ctx.pidDir,
        labels: { namespace: this.ctx.namespace, pod: this.ctx.pod, container: this.name },
      });
    } catch (err) {
      this.log.endInstance(Date.now());
      const message = `failed to start container: meshlet runtime: ${(err as Error).message}`;
      this.rememberLastState();
      this.setWaiting('RunContainerError', message);
      this.warn('Failed', `Error: ${message}`);
      return 'failed';
    }
    this.rememberLastState();
    this.proc = proc;
    this.killing = undefined;
    this.everRan = true;
    this.completed = false;
    this.probeKilled = false;
    this.postStartFailed = false;
    this.containerID = `meshlet://${proc.pid}`;
    this.startedAtMs = this.ctx.now();
    this.startedAt = new Date(this.startedAtMs).toISOString();
    this.ready = false;
    this.started = false;
    this.hooks = new AbortController();
    this.target = this.probeTarget(resolved.env, resolved.cwd);
    this.normal('Created', `Created container: ${this.name}`);
    this.normal('Started', `Started container ${this.name}`);
    void proc.exited.then((exit) => this.handleExit(proc, exit));
    const postStart = this.spec.lifecycle?.postStart;
    if (postStart) {
      // As kubelet: nothing else happens to the container (Running, probes) until postStart returns.
      this.state = { waiting: { reason: 'ContainerCreating' } };
      void this.runPostStart(proc, postStart, resolved.image?.ports);
    } else {
      this.becomeRunning(resolved.image?.ports);
    }
    this.ctx.changed();
    return 'started';
  }

  private becomeRunning(imagePorts: number[] | undefined): void {
    this.state = { running: { startedAt: this.startedAt ?? new Date(this.ctx.now()).toISOString() } };
    this.startProbes(this.target!, imagePorts);
    this.ctx.changed();
  }

  private async runPostStart(proc: ContainerProcess, handler: NonNullable<NonNullable<ContainerRunSpec['lifecycle']>['postStart']>, imagePorts: number[] | undefined): Promise<void> {
    const result = await runLifecycleHook(handler, this.target!, { container: this.name, pod: this.ctx.podRef }, { signal: this.hooks!.signal });
    if (this.proc !== proc || this.killing) return;
    if (result.ok) {
      this.becomeRunning(imagePorts);
      return;
    }
    this.postStartFailed = true;
    this.warn('FailedPostStartHook', result.message);
    this.normal('Killing', `FailedPostStartHook`);
    void this.kill(this.ctx.gracePeriodSeconds, { announce: false, preStop: false });
  }

  private probeTarget(env: Record<string, string>, cwd: string): ProbeTarget {
    const namedPorts: Record<string, number> = {};
    for (const p of this.spec.ports ?? []) if (p.name) namedPorts[p.name] = p.containerPort;
    return { podIp: this.ctx.podIp, namedPorts, env, cwd };
  }

  private worker(kind: ProbeKind, probe: Probe, target: ProbeTarget, onResult: (ok: boolean, message: string) => void): ProbeWorker {
    const worker = new ProbeWorker(probe, target, this.ctx.probeTimeScale, {
      onAttemptFailed: (message) => this.warn('Unhealthy', `${kind} probe failed: ${message}`),
      onResult,
    });
    this.workers.push(worker);
    return worker;
  }

  private startProbes(target: ProbeTarget, imagePorts: number[] | undefined): void {
    const afterStarted = (): void => {
      this.started = true;
      this.ctx.changed();
      if (this.init) return;
      const liveness = this.spec.livenessProbe;
      if (liveness) {
        this.worker('Liveness', liveness, target, (ok) => {
          if (!ok) this.killForProbe('liveness');
        }).start();
      }
      const readiness = this.spec.readinessProbe;
      if (readiness) {
        const worker = this.worker('Readiness', readiness, target, (ok) => {
          this.ready = ok;
          this.ctx.changed();
        });
        // A meshlet choice: the first readiness attempt waits (polling fast) until the
        // probed port accepts connections, so a slow-binding app is not held back a
        // whole period by an early "connection refused".
        const handler = readiness.httpGet ?? readiness.tcpSocket;
        const port = handler ? resolvePort(handler.port, target) : undefined;
        if (port === undefined) {
          worker.start();
          return;
        }
        const since = Date.now();
        const gate = new PortReadiness(this.ctx.podIp, [port], this.ctx.portReadiness, () => worker.start(Date.now() - since));
        this.workers.push(gate);
        gate.start();
        return;
      }
      const declared = (this.spec.ports ?? []).filter((p) => !p.protocol || p.protocol.toUpperCase() === 'TCP').map((p) => p.containerPort);
      const ports = this.spec.ports && this.spec.ports.length > 0 ? declared : (imagePorts ?? []);
      const readinessByPort = new PortReadiness(this.ctx.podIp, ports, this.ctx.portReadiness, () => {
        this.ready = true;
        this.ctx.changed();
      });
      this.workers.push(readinessByPort);
      readinessByPort.start();
    };
    const startup = this.spec.startupProbe;
    if (startup && !this.init) {
      const worker = this.worker('Startup', startup, target, (ok) => {
        if (!ok) return this.killForProbe('startup');
        worker.stop();
        afterStarted();
      });
      worker.start();
    } else {
      afterStarted();
    }
  }

  private stopProbes(): void {
    for (const w of this.workers) w.stop();
    this.workers = [];
  }

  private killForProbe(probe: 'liveness' | 'startup'): void {
    if (!this.proc) return;
    this.probeKilled = true;
    this.normal('Killing', `Container ${this.name} failed ${probe} probe, will be restarted`);
    void this.kill(this.ctx.gracePeriodSeconds, { announce: false });
  }

  /**
   * Stops the running instance as kubelet does: the preStop hook first (it
   * counts against the grace period), then SIGTERM to the process group and
   * SIGKILL when the rest of the grace period is up; resolves once it exited.
   * A second kill while one runs joins it (a zero grace period SIGKILLs at once).
   */
  kill(gracePeriodSeconds: number, options: { announce?: boolean; preStop?: boolean } = {}): Promise<void> {
    const proc = this.proc;
    if (!proc) return Promise.resolve();
    if (this.killing) {
      if (gracePeriodSeconds <= 0) proc.signal('SIGKILL');
      return this.killing;
    }
    this.stopProbes();
    if (options.announce !== false) this.normal('Killing', `Stopping container ${this.name}`);
    const preStop = this.spec.lifecycle?.preStop;
    const runPreStop = preStop !== undefined && options.preStop !== false && gracePeriodSeconds > 0 && this.state.running !== undefined;
    this.killing = (async () => {
      let grace = gracePeriodSeconds;
      if (runPreStop) {
        const begun = Date.now();
        const result = await runLifecycleHook(preStop, this.target!, { container: this.name, pod: this.ctx.podRef }, { timeoutMs: grace * 1000, signal: this.hooks!.signal });
        if (!result.ok) this.warn('FailedPreStopHook', result.message);
        grace = Math.max(MIN_GRACE_AFTER_PRESTOP_SECONDS, grace - (Date.now() - begun) / 1000);
      }
      if (this.proc === proc) this.terminate(proc, grace);
      await proc.exited;
    })();
    return this.killing;
  }

  private terminate(proc: ContainerProcess, gracePeriodSeconds: number): void {
    if (gracePeriodSeconds <= 0) {
      proc.signal('SIGKILL');
      return;
    }
    proc.signal('SIGTERM');
    clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => proc.signal('SIGKILL'), gracePeriodSeconds * 1000);
    this.killTimer.unref();
  }

  private handleExit(proc: ContainerProcess, exit: ProcessExit): void {
    if (this.proc !== proc) return;
    clearTimeout(this.killTimer);
    this.stopProbes();
    this.hooks?.abort();
    this.proc = undefined;
    this.log.endInstance(Date.now());
    this.ready = false;
    this.started = false;
    this.lastExitCode = exit.exitCode;
    this.state = {
      terminated: {
        exitCode: exit.exitCode,
        ...(exit.signal ? { signal: exit.signal } : {}),
        reason: exit.exitCode === 0 ? 'Completed' : 'Error',
        ...(this.startedAt ? { startedAt: this.startedAt } : {}),
        finishedAt: new Date(this.ctx.now()).toISOString(),
      },
    };
    this.ctx.changed();
    this.onExit(this, exit);
  }

  status(): ContainerStatus {
    const image = this.spec.image ?? '';
    return {
      name: this.name,
      image,
      ready: this.ready,
      started: this.started,
      restartCount: this.restartCount,
      state: this.state,
      ...(this.lastState ? { lastState: this.lastState } : {}),
      ...(this.containerID ? { containerID: this.containerID } : {}),
    };
  }
}
