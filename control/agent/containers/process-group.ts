// A container is a process group. Each one is started as
//
//   /bin/sh -c '<watchdog>' meshlet-container FILE ARGS...
//
// detached (so it leads a new process group), stdout+stderr appended to the
// container's log file, stdin from /dev/null. Before exec'ing FILE, the shell
// forks a watchdog into the same group that blocks reading fd 3 — a pipe whose
// other end only this Node.js process holds. When meshlet exits for any reason
// (including SIGKILL) the kernel closes that end, the read returns, and the
// watchdog SIGKILLs its whole group. The watchdog ignores SIGTERM/SIGINT/SIGHUP
// so a graceful stop (SIGTERM to the group) does not disarm it. FILE replaces
// the shell (exec), so the child's pid is the container's pid and its exit
// status is the container's.
//
// Every live group is also recorded as runDir/pids/<pgid> (removed once the
// group is killed); reapOrphans() SIGKILLs any recorded group still alive, for
// `meshlet down` after a crash.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { reapPodDirs } from './pod-volumes.ts';

const WATCHDOG = "{ trap '' TERM INT HUP; read _ <&3; kill -9 0; } & exec 3<&- ; exec \"$@\"";

export interface ProcessRecord {
  pgid: number;
  /** Linux process start time (clock ticks since boot, /proc/<pid>/stat field 22), to detect pid reuse. */
  startTicks?: string;
  namespace: string;
  pod: string;
  container: string;
  file: string;
}

export interface ContainerProcessOptions {
  /** Runs `file args` through this argv (the mount-namespace entry), keeping the pid. */
  wrapper?: string[];
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  pidDir: string;
  labels: { namespace: string; pod: string; container: string };
}

export interface ProcessExit {
  /** Kubernetes-style exit code: 128 + signal number when killed by a signal. */
  exitCode: number;
  signal?: number;
  signalName?: NodeJS.Signals;
}

export interface ContainerProcess {
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  /** Sends a signal to the whole group; false when the group is gone. */
  signal(sig: NodeJS.Signals): boolean;
}

function procStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether a process group has a member that is not a zombie. Uses /proc where
 * it exists (a killed member stays a zombie until its new parent reaps it),
 * else kill(-pgid, 0).
 */
export function groupHasLiveMembers(pgid: number): boolean {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return signalGroup(pgid, 0);
  }
  for (const name of names) {
    if (name.charCodeAt(0) > 57) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    } catch {
      // exited while we looked
    }
  }
  return false;
}

export function signalGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
};

/**
 * Spawns FILE in a new process group guarded by the watchdog (see the top of
 * this file). `lifeline` is this process's end of the watchdog's pipe: destroy
 * it once the group is done with; never read it.
 */
export function spawnWatchedGroup(
  name: string,
  file: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string; output: 'pipe' | number },
): { child: ChildProcess; lifeline: Readable | null } {
  const child = spawn('/bin/sh', ['-c', WATCHDOG, name, file, ...args], {
    detached: true,
    stdio: ['ignore', options.output, options.output, 'pipe'],
    env: options.env,
    cwd: options.cwd,
  });
  const lifeline = child.stdio[3] as Readable | null;
  lifeline?.on('error', () => {});
  return { child, lifeline };
}

export function startContainerProcess(options: ContainerProcessOptions): ContainerProcess {
  mkdirSync(options.pidDir, { recursive: true });
  const logFd = openSync(options.logFile, 'a');
  let spawned: ReturnType<typeof spawnWatchedGroup>;
  try {
    const [file, ...args] = options.wrapper?.length ? [...options.wrapper, options.file, ...options.args] : [options.file, ...options.args];
    spawned = spawnWatchedGroup('meshlet-container', file!, args, { env: options.env, cwd: options.cwd, output: logFd });
  } finally {
    closeSync(logFd);
  }
  const { child, lifeline } = spawned;
  const pid = child.pid;
  const recordPath = pid !== undefined ? join(options.pidDir, String(pid)) : undefined;
  if (pid !== undefined && recordPath) {
    const record: ProcessRecord = { pgid: pid, ...options.labels, file: options.file };
    const ticks = procStartTicks(pid);
    if (ticks) record.startTicks = ticks;
    writeFileSync(recordPath, JSON.stringify(record));
  }

  const exited = new Promise<ProcessExit>((resolveExit) => {
    let done = false;
    const finish = (exit: ProcessExit): void => {
      if (done) return;
      done = true;
      // The container's main process is gone: as in Kubernetes, nothing else in it survives.
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
      lifeline?.destroy();
      if (recordPath) rmSync(recordPath, { force: true });
      resolveExit(exit);
    };
    child.once('error', () => finish({ exitCode: 128 }));
    child.once('exit', (code, signal) => {
      if (signal) {
        const n = SIGNAL_NUMBERS[signal] ?? 0;
        finish({ exitCode: 128 + n, signal: n, signalName: signal });
      } else {
        finish({ exitCode: code ?? 0 });
      }
    });
  });

  return {
    pid: pid ?? -1,
    exited,
    signal: (sig) => (pid === undefined ? false : signalGroup(pid, sig)),
  };
}

/**
 * SIGKILLs every recorded process group that is still alive and removes the
 * records; returns how many groups it killed. A record whose pid now belongs to
 * a different process (start time differs) is dropped without killing.
 */
export function reapOrphansSync(runDir: string): number {
  const pidDir = join(runDir, 'pids');
  let names: string[];
  try {
    names = readdirSync(pidDir);
  } catch {
    return 0;
  }
  let killed = 0;
  for (const name of names) {
    const path = join(pidDir, name);
    const pgid = Number(name);
    if (Number.isInteger(pgid) && pgid > 1) {
      let record: Partial<ProcessRecord> = {};
      try {
        record = JSON.parse(readFileSync(path, 'utf8')) as Partial<ProcessRecord>;
      } catch {
        // A record cut short by a crash still names the group in its file name.
      }
      const ticks = procStartTicks(pgid);
      const reused = record.startTicks !== undefined && ticks !== undefined && ticks !== record.startTicks;
      if (!reused && groupHasLiveMembers(pgid) && signalGroup(pgid, 'SIGKILL')) killed++;
    }
    rmSync(path, { force: true });
  }
  return killed;
}

/** reapOrphansSync, then the pod directories (volumes, container roots) the crashed meshlet left under runDir/pods. */
export async function reapOrphans(runDir: string): Promise<number> {
  const killed = reapOrphansSync(runDir);
  reapPodDirs(runDir);
  return killed;
}
