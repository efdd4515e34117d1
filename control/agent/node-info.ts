// status.nodeInfo as a kubelet reports it, read from the host the agent runs
// on. The API schema requires every field, so a value the host cannot supply
// gets a stable stand-in instead of being left out.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch, hostname, release } from 'node:os';

/** The Kubernetes version meshlet's API and agents speak; also the API server's /version. */
export const KUBERNETES_VERSION = 'v1.32.0-meshlet';

export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  operatingSystem: string;
  architecture: string;
}

/** What the host offers; injectable so the fallbacks can be tested. */
export interface HostFacts {
  /** File contents, or undefined when the file cannot be read. */
  readFile(path: string): string | undefined;
  hostname(): string;
  kernelRelease(): string;
  /** Node.js's process.arch / os.arch() value. */
  nodeArch(): string;
}

export const localHost: HostFacts = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  hostname,
  kernelRelease: release,
  nodeArch: arch,
};

/** Node.js architecture names → Go's GOARCH, which is what kubelets report. */
const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };

export function goArch(nodeArch: string): string {
  return GOARCH[nodeArch] ?? nodeArch;
}

function firstLine(host: HostFacts, paths: readonly string[], valid: RegExp): string | undefined {
  for (const path of paths) {
    const value = host.readFile(path)?.trim().toLowerCase();
    if (value && valid.test(value)) return value;
  }
  return undefined;
}

const HEX32 = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function asUuid(hex32: string): string {
  return `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20, 32)}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** PRETTY_NAME of os-release(5), unquoted; "Linux" when there is none (as the kubelet's fallback). */
export function osImageOf(osRelease: string | undefined): string {
  for (const line of (osRelease ?? '').split('\n')) {
    const match = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (!match) continue;
    const value = match[1]!.trim().replace(/^(["'])(.*)\1$/, '$2');
    if (value) return value;
  }
  return 'Linux';
}

export function readNodeSystemInfo(meshletVersion: string, host: HostFacts = localHost): NodeSystemInfo {
  // The kubelet reads the same two machine-id files; a host without either (some
  // containers) gets an id derived from its hostname, stable across restarts.
  const machineID = firstLine(host, ['/etc/machine-id', '/var/lib/dbus/machine-id'], HEX32) ?? digest(`meshlet-machine:${host.hostname()}`);
  // A boot id changes on every boot; without /proc, one per agent start is the honest stand-in.
  const bootID = firstLine(host, ['/proc/sys/kernel/random/boot_id'], UUID) ?? asUuid(digest(`meshlet-boot:${machineID}:${Date.now()}:${Math.random()}`));
  // The DMI product UUID is readable only by root on real hardware and absent in most VMs and containers.
  const systemUUID = firstLine(host, ['/sys/class/dmi/id/product_uuid'], UUID) ?? asUuid(machineID);
  return {
    machineID,
    systemUUID,
    bootID,
    kernelVersion: host.kernelRelease(),
    osImage: osImageOf(host.readFile('/etc/os-release') ?? host.readFile('/usr/lib/os-release')),
    containerRuntimeVersion: `meshlet-process://${meshletVersion}`,
    kubeletVersion: KUBERNETES_VERSION,
    kubeProxyVersion: KUBERNETES_VERSION,
    operatingSystem: 'linux',
    architecture: goArch(host.nodeArch()),
  };
}
