// Whether this kernel lets meshlet give a container its own mount (and UTS)
// namespace, probed once per process: as root a plain `unshare --mount`; as
// another user a user namespace mapping them to root inside (`unshare --user
// --map-root-user`), which unprivileged kernels usually allow. The probe mounts
// a tmpfs inside the new namespace, since some sandboxes allow the unshare and
// then refuse every mount.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MountSupport } from './types.ts';

const ROOT_FLAGS = ['--mount', '--uts', '--propagation', 'private'] as const;
const USER_FLAGS = ['--user', '--map-root-user', '--mount', '--uts', '--propagation', 'private'] as const;

/** Absolute paths, so a pod's own PATH cannot change which tools assemble its root. */
function tool(name: string): string {
  return ['/usr/bin', '/bin', '/usr/sbin', '/sbin'].map((d) => `${d}/${name}`).find((p) => existsSync(p)) ?? name;
}

let cached: MountSupport | undefined;

function tryUnshare(prefix: readonly string[], mount: string, dir: string): string | undefined {
  const script = `${mount} -t tmpfs meshlet-probe "$1"`;
  const result = spawnSync(prefix[0]!, [...prefix.slice(1), '--', '/bin/sh', '-c', script, 'meshlet-probe', dir], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (result.error) return result.error.message;
  if (result.status !== 0) return (result.stderr || `exit status ${String(result.status)}`).trim();
  return undefined;
}

/** Probes once and caches the answer for the process. */
export function probeMountSupport(): MountSupport {
  if (cached) return cached;
  if (process.platform !== 'linux') {
    cached = { mode: 'none', reason: `mount namespaces need Linux (this is ${process.platform})` };
    return cached;
  }
  const dir = mkdtempSync(join(tmpdir(), 'meshlet-mount-probe-'));
  try {
    const asRoot = process.getuid?.() === 0;
    const tools = { unshare: tool('unshare'), mount: tool('mount'), hostname: tool('hostname') };
    const asRootPrefix = [tools.unshare, ...ROOT_FLAGS];
    const asUserPrefix = [tools.unshare, ...USER_FLAGS];
    const rootError = asRoot ? tryUnshare(asRootPrefix, tools.mount, dir) : 'not root';
    if (rootError === undefined) {
      cached = { mode: 'root', unshare: asRootPrefix, tools };
    } else {
      const userError = tryUnshare(asUserPrefix, tools.mount, dir);
      cached = userError === undefined
        ? { mode: 'user', unshare: asUserPrefix, tools }
        : { mode: 'none', reason: `the kernel refused a mount namespace (${asRoot ? `unshare --mount: ${rootError}; ` : ''}unshare --user --mount: ${userError})` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return cached;
}
