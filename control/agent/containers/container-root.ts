// Assembles a container's root for its own mount namespace. The host's file
// system outside meshlet's run dir is never changed: the skeleton and the
// overlay layers are directories under <podDir>/containers/<name>/, and every
// mount is made inside the namespace (private propagation), so it disappears
// with the container's last process, crash or not.
//
//   root/      a skeleton mirroring the host's top level: an empty directory
//              per host directory (the mount point of a recursive bind mount
//              of it: read-only, except /tmp, /dev, /proc, /sys and the paths
//              meshlet names writable), symlinks as symlinks (/bin -> usr/bin),
//              an empty file per file; plus mountPaths missing on the host at
//              the top level (/data). The repository, Node.js and tsx are
//              thus at their usual paths and the working directory is kept.
//   overlay/N  for a mountPath whose directories do not exist on the host
//              (/usr/share/nginx/html): an overlay on the deepest existing
//              directory (/usr/share) whose upper layer already holds the
//              missing directories.
//   fstab      every mount in order, made by one `mount -a --fstab` (one
//              process for dozens of mounts: each mount(8) exec costs ~20 ms
//              on a loaded machine).
//
// The container then starts as: unshare … -- sh -c 'mount -a -T fstab;
// hostname; exec unshare --root root --wd CWD -- FILE ARGS' (same pid).

import { lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Host top-level directories containers may write to (bound read-write). */
const WRITABLE_TOP_LEVEL = new Set(['tmp', 'dev', 'proc', 'sys']);
/** Entries never mirrored: the root file system's own lost+found. */
const SKIPPED_TOP_LEVEL = new Set(['lost+found']);

export interface ContainerMount {
  /** Host path bound into the container. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
}

export interface ContainerRootPlan {
  /** This container's directory under the pod's run dir (made empty first). */
  dir: string;
  /** Host paths (e.g. meshlet's home) bound read-write over the read-only mirror. */
  writablePaths: readonly string[];
  hostname?: string;
  mounts: readonly ContainerMount[];
  cwd: string;
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** fstab(5) escapes whitespace and backslashes as octal. */
function fstabField(s: string): string {
  return s.replace(/[\\\s]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

interface ResolvedTarget {
  /** The deepest path that exists on the host, symlinks resolved. */
  existing: string;
  /** Path components below it that do not exist. */
  missing: string[];
}

/** Resolves `path` against the host's file system (which the root mirrors), following symlinks as the kernel would inside the root. */
export function resolveOnHost(path: string): ResolvedTarget {
  let parts = posix.normalize(path).split('/').filter(Boolean);
  let current = '/';
  for (let hops = 0; parts.length > 0; ) {
    const next = posix.join(current, parts[0]!);
    let isLink: boolean;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      return { existing: current, missing: parts };
    }
    if (isLink) {
      if (++hops > 40) return { existing: current, missing: parts };
      const link = readlinkSync(next);
      parts = [...posix.normalize(link.startsWith('/') ? link : posix.join(current, link)).split('/').filter(Boolean), ...parts.slice(1)];
      current = '/';
      continue;
    }
    current = next;
    parts = parts.slice(1);
  }
  return { existing: current, missing: [] };
}

function kindOf(path: string): 'dir' | 'file' | 'none' {
  try {
    return lstatSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'none';
  }
}

/** A path made below `base` (a skeleton or an overlay's upper layer): directories, and the last one a file when asked. */
function makeBelow(base: string, parts: readonly string[], lastIsFile: boolean): void {
  if (parts.length === 0) return;
  const full = join(base, ...parts);
  mkdirSync(lastIsFile ? join(base, ...parts.slice(0, -1)) : full, { recursive: true });
  if (lastIsFile && kindOf(full) === 'none') writeFileSync(full, '');
}

function under(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}/`);
}

/**
 * Writes the skeleton, overlay layers and fstab of one container and returns
 * the argv (after `unshare`'s own) that runs "$@" inside the assembled root.
 */
export function prepareContainerRoot(plan: ContainerRootPlan, support: { unshare: readonly string[]; tools: { unshare: string; mount: string; hostname: string } }): string[] {
  rmSync(plan.dir, { recursive: true, force: true });
  const root = join(plan.dir, 'root');
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const fstab: string[] = [];
  const line = (into: string[], source: string, target: string, type: string, options: string): void => {
    into.push(`${fstabField(source)} ${fstabField(target)} ${type} ${options} 0 0`);
  };

  for (const name of readdirSync('/').sort()) {
    if (SKIPPED_TOP_LEVEL.has(name)) continue;
    const host = `/${name}`;
    let st;
    try {
      st = lstatSync(host);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) {
      symlinkSync(readlinkSync(host), join(root, name));
    } else if (st.isDirectory()) {
      mkdirSync(join(root, name));
      line(fstab, host, join(root, name), 'none', WRITABLE_TOP_LEVEL.has(name) ? 'rbind' : 'rbind,ro');
    } else if (st.isFile()) {
      writeFileSync(join(root, name), '');
      line(fstab, host, join(root, name), 'none', 'bind,ro');
    }
  }
  for (const path of plan.writablePaths) {
    const resolved = resolveOnHost(path);
    if (resolved.missing.length === 0 && kindOf(resolved.existing) === 'dir' && resolved.existing !== '/') line(fstab, resolved.existing, root + resolved.existing, 'none', 'rbind');
  }

  // Shallow targets first; a target inside another mount of this container is made inside
  // that volume, the others where their path leads on the host.
  const ordered = [...plan.mounts].sort((a, b) => a.target.split('/').length - b.target.split('/').length);
  const overlays = new Map<string, string>();
  // Overlays go first: a bind below an overlay's directory must land on the overlay, not under it.
  const overlayLines: string[] = [];
  const bindLines: string[] = [];
  const placed: { target: string; source: string }[] = [];
  for (const mount of ordered) {
    const target = posix.normalize(mount.target);
    const sourceIsFile = kindOf(mount.source) === 'file';
    const parent = [...placed].reverse().find((p) => p.target !== target && under(target, p.target));
    let inRoot: string;
    if (parent) {
      // kubelet makes a nested mount point inside the outer volume too.
      makeBelow(parent.source, posix.relative(parent.target, target).split('/'), sourceIsFile);
      inRoot = target;
    } else {
      const { existing, missing } = resolveOnHost(target);
      inRoot = posix.join(existing, ...missing);
      if (missing.length > 0 && existing === '/') {
        makeBelow(root, missing, sourceIsFile);
      } else if (missing.length > 0) {
        let upper = overlays.get(existing);
        if (!upper) {
          const layer = join(plan.dir, 'overlay', String(overlays.size));
          upper = join(layer, 'upper');
          mkdirSync(upper, { recursive: true });
          mkdirSync(join(layer, 'work'), { recursive: true });
          overlays.set(existing, upper);
          line(overlayLines, 'meshlet-overlay', root + existing, 'overlay', `lowerdir=${fstabField(existing)},upperdir=${fstabField(upper)},workdir=${fstabField(join(layer, 'work'))}`);
        }
        makeBelow(upper, missing, sourceIsFile);
      }
    }
    placed.push({ target, source: mount.source });
    line(bindLines, mount.source, root + inRoot, 'none', mount.readOnly ? 'bind,ro' : 'bind');
  }
  // Shallower overlays first, so a deeper one stacks on its parent's.
  fstab.push(...overlayLines.sort((a, b) => a.split(' ')[1]!.split('/').length - b.split(' ')[1]!.split('/').length), ...bindLines);
  const fstabPath = join(plan.dir, 'fstab');
  writeFileSync(fstabPath, `${fstab.join('\n')}\n`);

  const q = shellQuote;
  const script = [
    'set -e',
    `${q(support.tools.mount)} -a --fstab ${q(fstabPath)}`,
    // sethostname(2) through hostname(1): in a user namespace /proc/sys/kernel/hostname is not writable.
    ...(plan.hostname ? [`${q(support.tools.hostname)} ${q(plan.hostname)} 2>/dev/null || printf %s ${q(plan.hostname)} > /proc/sys/kernel/hostname`] : []),
    `exec ${q(support.tools.unshare)} --root ${q(root)} --wd ${q(plan.cwd)} -- "$@"`,
  ].join('\n');
  return [...support.unshare, '--', '/bin/sh', '-c', script, 'meshlet-mounts'];
}
