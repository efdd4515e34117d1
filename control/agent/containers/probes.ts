// Container probes as Kubernetes defines them: httpGet (2xx/3xx), tcpSocket,
// exec; initialDelaySeconds, periodSeconds (10), timeoutSeconds (1),
// successThreshold (1), failureThreshold (3). A ProbeWorker reports threshold
// crossings; the pod runner decides what they mean (ready, started, restart).

import { request } from 'node:http';
import { connect } from 'node:net';
import type { Probe } from '../../api/index.ts';
import type { Timer } from '../../api/index.ts';
import { systemClock } from '../../api/index.ts';
import { signalGroup, spawnWatchedGroup } from './process-group.ts';

export interface ProbeTarget {
  podIp: string;
  /** Named container ports, for probes that give a port by name. */
  namedPorts: Record<string, number>;
  env: Record<string, string>;
  cwd: string;
}

export interface ProbeResult {
  ok: boolean;
  /** kubelet-style failure text ("HTTP probe failed with statuscode: 500"). */
  message: string;
}

export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolveResult) => {
    const socket = connect({ host, port });
    const done = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolveResult(result);
    };
    const timer = setTimeout(() => done({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }), timeoutMs);
    socket.once('connect', () => done({ ok: true, message: '' }));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ECONNREFUSED' ? 'connect: connection refused' : err.message;
      done({ ok: false, message: `dial tcp ${host}:${port}: ${why}` });
    });
  });
}

export function resolvePort(port: number | string, target: ProbeTarget): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return target.namedPorts[port];
}

function httpProbe(host: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  const url = `http://${host}:${port}${path.startsWith('/') ? path : `/${path}`}`;
  return new Promise((resolveResult) => {
    let settled = false;
    const done = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      resolveResult(result);
    };
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs, headers: { 'user-agent': 'kube-probe/1.32', accept: '*/*' } }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      done(code >= 200 && code < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.once('timeout', () => {
      req.destroy();
      done({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ECONNREFUSED' ? `dial tcp ${host}:${port}: connect: connection refused` : err.message;
      done({ ok: false, message: `Get "${url}": ${why}` });
    });
    req.end();
  });
}

/**
 * Runs a command in the container's environment (its env and working dir;
 * containers are host processes here), watched like a container so it goes
 * with meshlet. Exit 0 succeeds; otherwise the output (or exit status) is the
 * message. Ends the command's group on timeout or abort.
 */
export function execInContainer(command: string[], target: ProbeTarget, limits: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ProbeResult> {
  return new Promise((resolveResult) => {
    const [file, ...args] = command;
    if (!file) return resolveResult({ ok: false, message: 'exec command is empty' });
    const { child, lifeline } = spawnWatchedGroup('meshlet-exec', file, args, { env: target.env, cwd: target.cwd, output: 'pipe' });
    let output = '';
    let exitCode: number | null = null;
    let cutShort: 'timed out' | 'aborted' | undefined;
    const collect = (chunk: Buffer): void => {
      if (output.length < 1024) output += chunk.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const endGroup = (): void => {
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
      lifeline?.destroy();
    };
    const cut = (why: 'timed out' | 'aborted'): void => {
      cutShort ??= why;
      endGroup();
    };
    const timer = limits.timeoutMs !== undefined ? setTimeout(() => cut('timed out'), limits.timeoutMs) : undefined;
    const onAbort = (): void => cut('aborted');
    if (limits.signal?.aborted) onAbort();
    else limits.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (result: ProbeResult): void => {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      resolveResult(result);
    };
    child.once('error', (err) => {
      lifeline?.destroy();
      settle({ ok: false, message: err.message });
    });
    child.once('exit', (code) => {
      exitCode = code;
      endGroup();
    });
    child.once('close', () => {
      const shown = JSON.stringify(command.join(' '));
      if (cutShort) return settle({ ok: false, message: `command ${shown} ${cutShort}` });
      settle(exitCode === 0 ? { ok: true, message: '' } : { ok: false, message: output.trim() || `command ${shown} exited with ${exitCode}` });
    });
  });
}

export async function runProbeOnce(probe: Probe, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  if (probe.exec) return execInContainer(probe.exec.command, target, { timeoutMs });
  const spec = probe.httpGet ?? probe.tcpSocket;
  if (!spec) return { ok: false, message: 'probe has no handler (httpGet, tcpSocket or exec)' };
  const port = resolvePort(spec.port, target);
  if (port === undefined) return { ok: false, message: `port "${String(spec.port)}" is not a container port name` };
  if (probe.httpGet) return httpProbe(target.podIp, port, probe.httpGet.path ?? '/', timeoutMs);
  return tcpConnect(target.podIp, port, timeoutMs);
}

export type ProbeKind = 'Readiness' | 'Liveness' | 'Startup';

export interface ProbeWorkerCallbacks {
  /** Every failed attempt (kubelet emits an Unhealthy event for each). */
  onAttemptFailed(message: string): void;
  /** The result crossed a threshold: successThreshold successes or failureThreshold failures in a row. */
  onResult(ok: boolean, message: string): void;
}

/** Runs one probe on its schedule until stopped. Times are scaled by `timeScale`. */
export class ProbeWorker {
  private timer: Timer | undefined;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  private result: boolean | undefined;

  constructor(
    private readonly probe: Probe,
    private readonly target: ProbeTarget,
    private readonly timeScale: number,
    private readonly callbacks: ProbeWorkerCallbacks,
  ) {}

  /** Starts probing; `elapsedMs` of the initial delay have already passed. */
  start(elapsedMs = 0): void {
    this.schedule(Math.max(0, (this.probe.initialDelaySeconds ?? 0) * 1000 * this.timeScale - elapsedMs));
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = systemClock.setTimer(delayMs, () => void this.attempt());
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    const timeoutMs = Math.max(200, (this.probe.timeoutSeconds ?? 1) * 1000 * this.timeScale);
    const outcome = await runProbeOnce(this.probe, this.target, timeoutMs);
    if (this.stopped) return;
    if (outcome.ok) {
      this.failures = 0;
      this.successes++;
      if (this.result !== true && this.successes >= Math.max(1, this.probe.successThreshold ?? 1)) {
        this.result = true;
        this.callbacks.onResult(true, '');
      }
    } else {
      this.successes = 0;
      this.failures++;
      this.callbacks.onAttemptFailed(outcome.message);
      if (this.result !== false && this.failures >= Math.max(1, this.probe.failureThreshold ?? 3)) {
        this.result = false;
        this.callbacks.onResult(false, outcome.message);
      }
    }
    if (!this.stopped) this.schedule(Math.max(1, (this.probe.periodSeconds ?? 10) * 1000 * this.timeScale));
  }
}

/**
 * meshlet's default readiness for a container without a readinessProbe: ready
 * once every declared TCP port accepts a connection on the pod IP (polled fast,
 * backing off to a cap), or at once when it declares none.
 */
export class PortReadiness {
  private timer: Timer | undefined;
  private stopped = false;
  private intervalMs: number;

  constructor(
    private readonly podIp: string,
    private readonly ports: number[],
    private readonly options: { intervalMs: number; maxIntervalMs: number },
    private readonly onReady: () => void,
  ) {
    this.intervalMs = options.intervalMs;
  }

  start(): void {
    if (this.ports.length === 0) {
      this.onReady();
      return;
    }
    void this.check();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private async check(): Promise<void> {
    const results = await Promise.all(this.ports.map((p) => tcpConnect(this.podIp, p, 1000)));
    if (this.stopped) return;
    if (results.every((r) => r.ok)) {
      this.stopped = true;
      this.onReady();
      return;
    }
    this.timer = systemClock.setTimer(this.intervalMs, () => void this.check());
    this.intervalMs = Math.min(this.options.maxIntervalMs, Math.ceil(this.intervalMs * 1.2));
  }
}
