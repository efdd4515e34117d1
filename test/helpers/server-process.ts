// A real server process for a test (redis-server, etcd): started, waited on
// until it logs that it is ready, killed with the test process if that dies
// first, and signalled with a wait for its exit.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface ReadyOptions {
  /** Names the server in errors. */
  name: string;
  /** A line of its output that means it serves. */
  ready: RegExp;
  timeoutMs: number;
}

export async function spawnUntilReady(command: string, args: readonly string[], options: ReadyOptions): Promise<ChildProcess> {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // If the test process dies without closing the server (an uncaught error), take the server with it.
  const reap = () => proc.kill('SIGKILL');
  process.once('exit', reap);
  proc.once('exit', () => process.off('exit', reap));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${options.name} did not become ready in ${options.timeoutMs / 1000} s:\n${output.slice(-4000)}`));
    }, options.timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!options.ready.test(output)) return;
      clearTimeout(timer);
      proc.off('exit', onExit);
      // Keep draining, or a full pipe would block the server.
      proc.stdout?.off('data', onData).resume();
      proc.stderr?.off('data', onData).resume();
      resolve();
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with ${String(code)}:\n${output.slice(-4000)}`));
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', onExit);
  });
  return proc;
}

/** Sends `signal` (after SIGCONT, so a paused process can act on it) and waits for the exit; nothing if it is gone. */
export async function signalAndWait(proc: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGCONT');
  proc.kill(signal);
  await exited;
}
