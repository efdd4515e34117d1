// Runs the real `meshlet` command (and kubectl against its cluster) the way a
// user does, in a private MESHLET_HOME, and collects exit code and output.

import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { fileURLToPath } from 'node:url';

export const MESHLET_BIN = fileURLToPath(new URL('../../control/cli/bin.js', import.meta.url));

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall-clock time the command took. */
  ms: number;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export function meshlet(home: string, args: string[], timeoutMs = 180_000): Promise<CommandResult> {
  return run(process.execPath, [MESHLET_BIN, ...args], { MESHLET_HOME: home }, timeoutMs);
}

/** Real kubectl with the kubeconfig `meshlet up` wrote into the home. */
export function kubectl(home: string, args: string[], timeoutMs = 60_000): Promise<CommandResult> {
  return run('kubectl', ['--kubeconfig', join(home, 'kubeconfig'), ...args], {}, timeoutMs);
}

/** A long-running meshlet command (node join) with its output collected as it comes. */
export function spawnMeshlet(home: string, args: string[]): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const child = spawn(process.execPath, [MESHLET_BIN, ...args], { env: { ...process.env, MESHLET_HOME: home }, stdio: 'pipe' });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

export type MeshletRun = CommandResult;

/** `meshlet` with extra environment (MESHLET_HOME always wins). */
export function runMeshlet(home: string, args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<MeshletRun> {
  return run(process.execPath, [MESHLET_BIN, ...args], { ...options.env, MESHLET_HOME: home }, options.timeoutMs ?? 120_000);
}

/**
 * `meshlet up --detach ARGS` in a fresh home under the system temp dir; the
 * test's teardown runs `meshlet down` and removes the home. Returns the home.
 */
export async function upDetached(t: Test, prefix: string, args: readonly string[] = ['--nodes', '1']): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(async () => {
    await meshlet(home, ['down']);
    rmSync(home, { recursive: true, force: true });
  });
  const up = await meshlet(home, ['up', '--detach', ...args]);
  t.equal(up.code, 0, `up: ${up.stderr}`);
  return home;
}
