// Several meshlet clusters can run on one machine (different MESHLET_HOMEs,
// parallel tests). Their pod and service addresses all live on 127/8, so each
// running cluster claims a numbered slot and derives non-overlapping CIDRs
// from it. Slot 0 gets the documented defaults. A slot is a directory created
// atomically under the machine's temp dir, holding the owner's pid; a slot
// whose owner is dead is reclaimed.
//
// The addresses are shared by every user of the machine, so the slots are
// too: the slot root is sticky and world-writable, like /tmp (mode 1777).
// Anyone may claim a free slot; only its owner (or root) may remove it, so a
// dead cluster of another user keeps its slot until that user or root runs a
// cluster again, and the next slot is taken meanwhile.

import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshletError } from '../api/index.ts';

export const MAX_SLOTS = 16;

export interface AddressSlot {
  index: number;
  clusterCidr: string;
  serviceCidr: string;
  /** LoadBalancer addresses: 127.(200+k).0.0/24, between the service and cluster ranges of every slot. */
  loadBalancerCidr: string;
  release(): void;
}

/** Removes a dead cluster's slot; false when it is another user's (sticky root). */
function reclaim(dir: string): boolean {
  try {
    rmSync(dir, { recursive: true });
    return true;
  } catch (err) {
    if (isPermissionError(err)) return false;
    throw err;
  }
}

export function cidrsForSlot(index: number): { clusterCidr: string; serviceCidr: string; loadBalancerCidr: string } {
  const loadBalancerCidr = `127.${200 + index}.0.0/24`;
  if (index === 0) return { clusterCidr: '127.244.0.0/16', serviceCidr: '127.96.0.0/12', loadBalancerCidr };
  return { clusterCidr: `127.${244 - index}.0.0/16`, serviceCidr: `127.${112 + index}.0.0/16`, loadBalancerCidr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const SHARED_DIR_MODE = 0o1777;

function permissionError(root: string, action: string, cause: unknown): MeshletError {
  let detail = '';
  try {
    const st = statSync(root);
    detail = ` (it belongs to uid ${st.uid} with mode ${(st.mode & 0o7777).toString(8)}; its owner can run \`chmod 1777 ${root}\`, or remove it)`;
  } catch {
    // the stat is only for the message
  }
  return new MeshletError(
    'MESHLET_SLOT_PERMISSION',
    `control/cluster: permission denied to ${action} in the address-slot directory ${root}${detail}`,
    { cause },
  );
}

function isPermissionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
}

/** Creates the shared slot root, or repairs its mode when this user owns it. */
function ensureSharedRoot(root: string): void {
  try {
    mkdirSync(root, { recursive: true, mode: SHARED_DIR_MODE });
  } catch (err) {
    if (isPermissionError(err)) throw permissionError(root, 'create a directory', err);
    throw err;
  }
  const st = statSync(root);
  const uid = process.getuid?.();
  // mkdir's mode is cut by the umask, and roots made by older versions are 755.
  if ((st.mode & 0o7777) !== SHARED_DIR_MODE && (uid === st.uid || uid === 0)) {
    chmodSync(root, SHARED_DIR_MODE);
  }
}

export function claimAddressSlot(root = join(tmpdir(), 'meshlet-slots')): AddressSlot {
  ensureSharedRoot(root);
  for (let index = 0; index < MAX_SLOTS; index++) {
    const dir = join(root, String(index));
    try {
      mkdirSync(dir);
    } catch (err) {
      if (isPermissionError(err)) throw permissionError(root, 'claim a slot', err);
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      } catch {
        // a slot without a pid file is being claimed right now, or was left half-made
      }
      if (Number.isFinite(owner) && !alive(owner) && reclaim(dir)) {
        index -= 1; // retry this index
      }
      continue;
    }
    try {
      writeFileSync(join(dir, 'pid'), String(process.pid));
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      if (isPermissionError(err)) throw permissionError(root, 'write a slot owner file', err);
      throw err;
    }
    return {
      index,
      ...cidrsForSlot(index),
      release: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  throw new MeshletError('MESHLET_NO_ADDRESS_SLOT', `control/cluster: all ${MAX_SLOTS} address slots are taken by running clusters; stop one or pass --cluster-cidr and --service-cidr`);
}
