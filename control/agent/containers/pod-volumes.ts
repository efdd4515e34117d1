// A pod's directory under the run dir and the volumes in it, laid out like
// the kubelet's /var/lib/kubelet/pods/<uid>:
//
//   runDir/pods/<ns>_<name>_<uid>/
//     volumes/empty-dir/<volume>   emptyDir (Memory: a tmpfs mounted here, root only)
//     volumes/files/<volume>       configMap/secret/downwardAPI/projected (atomic writer)
//     etc/{hosts,resolv.conf,hostname}
//     containers/<container>/      each container's root skeleton, overlays, fstab
//
// The whole directory goes when the pod stops; reapPodDirs() removes what a
// crashed meshlet left (unmounting any Memory emptyDir first).

import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { writeAtomically } from './atomic-writer.ts';
import { prepareContainerRoot } from './container-root.ts';
import type { ContainerMount } from './container-root.ts';
import { ContainerRuntimeError } from './errors.ts';
import type { ContainerRunSpec, MountSupport, PodRunSpec, PodVolumeSpec, VolumeFile } from './types.ts';

export function podDirFor(runDir: string, spec: Pick<PodRunSpec, 'namespace' | 'name' | 'uid'>): string {
  return join(runDir, 'pods', `${spec.namespace}_${spec.name}_${spec.uid}`);
}

/** Mount points under `dir` in this process's mount namespace, deepest first. */
function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

function unmountAll(dir: string): void {
  for (const point of mountsUnder(dir)) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
}

/** `meshlet down`: unmounts and removes every pod directory a crashed meshlet left. */
export function reapPodDirs(runDir: string): number {
  const root = join(runDir, 'pods');
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    return 0;
  }
  unmountAll(root);
  for (const name of names) rmSync(join(root, name), { recursive: true, force: true });
  return names.length;
}

export class PodVolumes {
  readonly dir: string;
  private readonly volumes = new Map<string, { spec: PodVolumeSpec; path: string }>();

  constructor(
    private readonly runDir: string,
    private readonly spec: PodRunSpec,
    private readonly support: MountSupport,
  ) {
    this.dir = podDirFor(runDir, spec);
  }

  /** Whether containers of this pod run in their own mount namespaces. */
  get isolated(): boolean {
    return this.support.mode !== 'none' && (this.spec.volumes !== undefined && this.spec.volumes.length > 0 || this.spec.sandbox !== undefined || this.hasMounts());
  }

  private hasMounts(): boolean {
    return [...(this.spec.initContainers ?? []), ...this.spec.containers].some((c) => (c.volumeMounts ?? []).length > 0);
  }

  /**
   * Why this pod's volumes cannot be mounted here (per volume, kubelet's FailedMount wording),
   * or nothing. Call before setUp().
   */
  problems(): { volume: string; message: string }[] {
    if (this.support.mode !== 'none') return [];
    const names = (this.spec.volumes ?? []).map((v) => v.name);
    return names.map((volume) => ({ volume, message: `MountVolume.SetUp failed for volume "${volume}" : meshlet: ${this.support.mode === 'none' ? this.support.reason : ''}` }));
  }

  /** Writes every volume and the pod's /etc files; throws ContainerRuntimeError MESHLET_MOUNT_FAILED naming the volume. */
  setUp(): void {
    mkdirSync(this.dir, { recursive: true });
    for (const volume of this.spec.volumes ?? []) {
      try {
        this.volumes.set(volume.name, { spec: volume, path: this.setUpVolume(volume) });
      } catch (err) {
        throw new ContainerRuntimeError('MESHLET_MOUNT_FAILED', `MountVolume.SetUp failed for volume "${volume.name}" : ${(err as Error).message}`, { cause: err });
      }
    }
    const sandbox = this.spec.sandbox;
    if (sandbox) {
      mkdirSync(join(this.dir, 'etc'), { recursive: true });
      writeFileSync(join(this.dir, 'etc', 'hosts'), sandbox.hosts);
      writeFileSync(join(this.dir, 'etc', 'resolv.conf'), sandbox.resolvConf);
      writeFileSync(join(this.dir, 'etc', 'hostname'), `${sandbox.hostname}\n`);
    }
  }

  private setUpVolume(volume: PodVolumeSpec): string {
    switch (volume.kind) {
      case 'emptyDir': {
        const path = join(this.dir, 'volumes', 'empty-dir', volume.name);
        mkdirSync(path, { recursive: true });
        chmodSync(path, 0o777); // the kubelet's emptyDir mode, whatever the umask
        if (volume.medium === 'Memory' && this.support.mode === 'root') {
          // Shared by every container of the pod, so it is mounted where they all see it; stop() and reapPodDirs() unmount it.
          const size = volume.sizeLimitBytes !== undefined ? `,size=${volume.sizeLimitBytes}` : '';
          const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, `meshlet-${volume.name}`, path], { encoding: 'utf8' });
          if (result.status !== 0) throw new Error(`mount tmpfs: ${(result.stderr || String(result.status)).trim()}`);
        }
        return path;
      }
      case 'files': {
        const path = join(this.dir, 'volumes', 'files', volume.name);
        writeAtomically(path, volume.files);
        return path;
      }
      case 'bind':
        return volume.path;
    }
  }

  /** Rewrites a files volume in place (atomic ..data swap); false when unchanged or not a files volume. */
  update(name: string, files: VolumeFile[]): boolean {
    const volume = this.volumes.get(name);
    if (!volume || volume.spec.kind !== 'files') return false;
    volume.spec = { ...volume.spec, files };
    return writeAtomically(volume.path, files);
  }

  /** Host path of a mount's source, subPath included (made when missing, as the kubelet does for writable volumes). */
  private mountSource(mount: NonNullable<ContainerRunSpec['volumeMounts']>[number]): { source: string; readOnly: boolean } {
    const volume = this.volumes.get(mount.name);
    if (!volume) throw new ContainerRuntimeError('MESHLET_MOUNT_FAILED', `agent/containers: volumeMount "${mount.name}" names no volume of the pod`);
    const readOnly = mount.readOnly === true || volume.spec.kind === 'files' || (volume.spec.kind === 'bind' && volume.spec.readOnly === true);
    if (!mount.subPath) return { source: volume.path, readOnly };
    const sub = posix.normalize(mount.subPath);
    if (sub.startsWith('..') || sub.startsWith('/')) throw new ContainerRuntimeError('MESHLET_MOUNT_FAILED', `agent/containers: subPath "${mount.subPath}" must be a relative path inside the volume`);
    const source = join(volume.path, sub);
    let exists = true;
    try {
      lstatSync(source);
    } catch {
      exists = false;
    }
    if (!exists) {
      if (volume.spec.kind === 'files') throw new ContainerRuntimeError('MESHLET_MOUNT_FAILED', `agent/containers: subPath "${mount.subPath}" does not exist in volume "${mount.name}"`);
      mkdirSync(source, { recursive: true, mode: 0o777 });
    }
    return { source, readOnly };
  }

  /** Prepares a container's root and returns the argv prefix that runs its program inside (undefined: run it as a plain process). */
  containerCommand(container: ContainerRunSpec, cwd: string): string[] | undefined {
    if (!this.isolated || this.support.mode === 'none') return undefined;
    const mounts: ContainerMount[] = (container.volumeMounts ?? []).map((m) => ({ ...this.mountSource(m), target: m.mountPath }));
    if (this.spec.sandbox) {
      const mounted = new Set(mounts.map((m) => posix.normalize(m.target)));
      for (const file of ['hosts', 'resolv.conf', 'hostname']) {
        if (!mounted.has(`/etc/${file}`)) mounts.push({ source: join(this.dir, 'etc', file), target: `/etc/${file}`, readOnly: false });
      }
    }
    return prepareContainerRoot(
      {
        dir: join(this.dir, 'containers', container.name),
        // meshlet's home (the run dir's parent) stays writable: logs, data dirs, test fixtures.
        writablePaths: [dirname(this.runDir)],
        ...(this.spec.sandbox ? { hostname: this.spec.sandbox.hostname } : {}),
        mounts,
        cwd,
      },
      this.support,
    );
  }

  /** Unmounts what setUp() mounted on the host and removes the pod's directory. */
  tearDown(): void {
    unmountAll(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
