// Runs one sample program as a real child process with the node agent's env contract,
// and waits until it reports that it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface ProgramOptions {
  /** Program path relative to the repository root, e.g. examples/httpbin/server.mjs. */
  program: string;
  podIp: string;
  env?: Record<string, string>;
  args?: string[];
  /** How many "listening on" lines to wait for (tcp-echo prints one per port). */
  listeners?: number;
}

export interface RunningProgram {
  output(): string;
  stop(): Promise<void>;
}

export async function startProgram(options: ProgramOptions): Promise<RunningProgram> {
  const child: ChildProcess = spawn(process.execPath, [resolve(REPO_ROOT, options.program), ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    // A clean environment: the test runner's own proxy settings must not leak into the pod.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', POD_IP: options.podIp, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const wanted = options.listeners ?? 1;
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`${options.program} did not listen within 10 s:\n${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if ((output.match(/listening on/g) ?? []).length >= wanted) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${options.program} exited with ${code}:\n${output}`));
    });
  });
  return {
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const deadline = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(deadline);
    },
  };
}
