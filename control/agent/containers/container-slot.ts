// One container of a pod across its restarts: starts its process, runs its
// probes, kills it, and renders its Kubernetes ContainerStatus. What an exit
// means for the pod (restart, backoff, phase) is the pod runner's decision.

import type { ContainerState, ContainerStatus } from '../../api/index.ts';
import { resolveContainerCommand } from './command-resolution.ts';
import { ContainerLogBook, containerLogPath } from './log-files.ts';
import { startContainerProcess } from './process-group.ts';
import type { ContainerProcess, ProcessExit } from './process-group.ts';
import { PortReadiness, ProbeWorker, resolvePort } from './probes.ts';
import type { ProbeKind, ProbeTarget } from './probes.ts';
import type { ContainerRunSpec, ImageMap, PodRunEvent } from './types.ts';
import type { Probe } from '../../api/index.ts';

export interface SlotContext {
  podIp: string;
  namespace: string;
  pod: string;
  logDir: string;
  pidDir: string;
  imageMap(): ImageMap;
  probeTimeScale: number;
  portReadiness: { intervalMs: number; maxIntervalMs: number };
  gracePeriodSeconds: number;
  now(): number;
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
  onExit: (slot: ContainerSlot, exit: ProcessExit) => void = () => {};
  private containerID: string | undefined;
  private proc: ContainerProcess | undefined;
  private startedAt: string | undefined;
  private workers: Stoppable[] = [];
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly spec: ContainerRunSpec,
    readonly init: boolean,
    private readonly ctx: SlotContext,
    initialWaiting: string,
  ) {
    this.name = spec.name;
    this.log = new ContainerLogBook(containerLogPath(ctx.logDir, spec.name));
    this.state = { waiting: { reason: initialWaiting } };
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
    this.log.beginInstance(Date.now());
    let proc: ContainerProcess;
    try {
      proc = startContainerProcess({
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
    this.everRan = true;
    this.completed = false;
    this.probeKilled = false;
    this.containerID = `meshlet://${proc.pid}`;
    this.startedAt = new Date(this.ctx.now()).toISOString();
    this.state = { running: { startedAt: this.startedAt } };
    this.ready = false;
    this.started = false;
    this.normal('Created', `Created container: ${this.name}`);
    this.normal('Started', `Started container ${this.name}`);
    void proc.exited.then((exit) => this.handleExit(proc, exit));
    this.startProbes(resolved.env, resolved.cwd, resolved.image?.ports);
    this.ctx.changed();
    return 'started';
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

  private startProbes(env: Record<string, string>, cwd: string, imagePorts: number[] | undefined): void {
    const target = this.probeTarget(env, cwd);
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
    void this.kill(this.ctx.gracePeriodSeconds, false);
  }

  /** SIGTERM the container's process group, SIGKILL after the grace period; resolves once it exited. */
  kill(gracePeriodSeconds: number, announce = true): Promise<void> {
    const proc = this.proc;
    if (!proc) return Promise.resolve();
    this.stopProbes();
    if (announce) this.normal('Killing', `Stopping container ${this.name}`);
    if (gracePeriodSeconds <= 0) {
      proc.signal('SIGKILL');
    } else {
      proc.signal('SIGTERM');
      clearTimeout(this.killTimer);
      this.killTimer = setTimeout(() => proc.signal('SIGKILL'), gracePeriodSeconds * 1000);
      this.killTimer.unref();
    }
    return proc.exited.then(() => undefined);
  }

  private handleExit(proc: ContainerProcess, exit: ProcessExit): void {
    if (this.proc !== proc) return;
    clearTimeout(this.killTimer);
    this.stopProbes();
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
