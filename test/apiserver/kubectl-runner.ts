// Runs the real kubectl binary against a cluster's kubeconfig, asynchronously
// (the cluster runs in this process, so a blocking exec would stall it), with
// an isolated discovery cache. Fails clearly when kubectl is not installed.

import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const KUBECTL_MISSING =
  'kubectl not found on PATH: install kubectl 1.32 (Debian/Ubuntu: add the pkgs.k8s.io v1.32 apt repository, then `apt-get install -y kubectl`)';

export function findKubectl(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'kubectl');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectlFor(kubeconfigPath: string) {
  const bin = findKubectl();
  if (!bin) throw new Error(KUBECTL_MISSING);
  const cacheDir = mkdtempSync(join(tmpdir(), 'meshlet-kubectl-cache-'));
  const env = { ...process.env, KUBECONFIG: kubeconfigPath };
  const base = ['--cache-dir', cacheDir];
  return {
    run(args: string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
      return new Promise((resolve) => {
        const child = execFile(bin, [...base, ...args], { env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          resolve({ code, stdout, stderr });
        });
        if (options.stdin !== undefined) child.stdin?.end(options.stdin);
      });
    },
    /** Starts a long-running kubectl (get -w, logs -f); collect output from the returned process. */
    spawn(args: string[]): ChildProcessWithoutNullStreams {
      return spawn(bin, [...base, ...args], { env });
    },
    close(): void {
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}
