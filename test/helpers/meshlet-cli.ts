// Runs the real `meshlet` binary against a MESHLET_HOME and collects its
// exit code and output.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MESHLET_BIN = fileURLToPath(new URL('../../control/cli/bin.js', import.meta.url));

export interface MeshletRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runMeshlet(home: string, args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<MeshletRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MESHLET_BIN, ...args],
      { env: { ...process.env, ...options.env, MESHLET_HOME: home }, timeout: options.timeoutMs ?? 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
