// Several meshlet clusters can run on one machine (different MESHLET_HOMEs,
// parallel tests). Their pod and service addresses all live on 127/8, so each
// running cluster claims a numbered slot and derives non-overlapping CIDRs
// from it. Slot 0 gets the documented defaults. A slot is a directory created
// atomically under the machine's temp dir, holding the owner's pid; a slot
// whose owner is dead is reclaimed.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

export function claimAddressSlot(root = join(tmpdir(), 'meshlet-slots')): AddressSlot {
  mkdirSync(root, { recursive: true });
  for (let index = 0; index < MAX_SLOTS; index++) {
    const dir = join(root, String(index));
    try {
      mkdirSync(dir);
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      } catch {
        // a slot without a pid file is being claimed right now, or was left half-made
      }
      if (Number.isFinite(owner) && !alive(owner)) {
        rmSync(dir, { recursive: true, force: true });
        index -= 1; // retry this index
      }
      continue;
    }
    writeFileSync(join(dir, 'pid'), String(process.pid));
    return {
      index,
      ...cidrsForSlot(index),
      release: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  throw new MeshletError('MESHLET_NO_ADDRESS_SLOT', `control/cluster: all ${MAX_SLOTS} address slots are taken by running clusters; stop one or pass --cluster-cidr and --service-cidr`);
}
