// Which PersistentVolume a claim may bind to, as the PV controller's
// findBestMatchForClaim decides: a volume pre-bound to the claim (claimRef
// naming it) wins; otherwise the smallest available volume of the claim's
// class, volume mode and node (when one is selected) that offers every access
// mode asked for, at least the requested storage, and the labels the claim's
// selector wants. Volumes pre-bound to other claims, being deleted, or no
// longer Available/Pending are never taken.

import type { Node } from './kinds.ts';
import { matchesSelector } from './labels.ts';
import type { Labels } from './objects.ts';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from './storage.ts';
import { ANN_DEFAULT_STORAGE_CLASS, storageBytes } from './storage.ts';

export function claimRequestBytes(claim: PersistentVolumeClaim): number {
  return storageBytes(claim.spec?.resources?.requests?.['storage']);
}

export function volumeCapacityBytes(pv: PersistentVolume): number {
  return storageBytes(pv.spec?.capacity?.['storage']);
}

/** True when the volume's claimRef names this claim (by uid once it has one). */
export function isPreBoundTo(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref?.name) return false;
  if (ref.name !== claim.metadata.name || (ref.namespace ?? 'default') !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** Whether a node satisfies the volume's required nodeAffinity (no affinity: every node). */
export function volumeFitsNode(pv: PersistentVolume, node: { name: string; labels: Labels }): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  return terms.some((term) =>
    [...(term.matchExpressions ?? []).map((e) => ({ e, value: node.labels[e.key] })), ...(term.matchFields ?? []).map((e) => ({ e, value: e.key === 'metadata.name' ? node.name : undefined }))].every(
      ({ e, value }) => {
        const values = e.values ?? [];
        switch (e.operator) {
          case 'In':
            return value !== undefined && values.includes(value);
          case 'NotIn':
            return value === undefined || !values.includes(value);
          case 'Exists':
            return value !== undefined;
          case 'DoesNotExist':
            return value === undefined;
          case 'Gt':
            return value !== undefined && Number(value) > Number(values[0]);
          case 'Lt':
            return value !== undefined && Number(value) < Number(values[0]);
          default:
            return false;
        }
      },
    ),
  );
}

export function nodeOf(node: Node): { name: string; labels: Labels } {
  return { name: node.metadata.name, labels: node.metadata.labels ?? {} };
}

/** The volume's static properties agree with the claim (class, mode, access modes, size, selector). */
export function volumeSatisfiesClaim(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  if ((pv.spec?.storageClassName ?? '') !== (claim.spec?.storageClassName ?? '')) return false;
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return false;
  const offered = pv.spec?.accessModes ?? [];
  if (!(claim.spec?.accessModes ?? []).every((m) => offered.includes(m))) return false;
  if (!(volumeCapacityBytes(pv) >= claimRequestBytes(claim))) return false;
  return !claim.spec?.selector || matchesSelector(pv.metadata.labels, claim.spec.selector);
}

export function findBestMatch(
  claim: PersistentVolumeClaim,
  volumes: readonly PersistentVolume[],
  node?: { name: string; labels: Labels },
): PersistentVolume | undefined {
  let best: PersistentVolume | undefined;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp) continue;
    if (node && !volumeFitsNode(pv, node)) continue;
    if (isPreBoundTo(pv, claim)) {
      if (volumeSatisfiesClaim(pv, claim)) return pv;
      continue;
    }
    if (pv.spec?.claimRef?.name) continue;
    const phase = pv.status?.phase ?? 'Pending';
    if (phase !== 'Available' && phase !== 'Pending') continue;
    if (!volumeSatisfiesClaim(pv, claim)) continue;
    if (!best || volumeCapacityBytes(pv) < volumeCapacityBytes(best)) best = pv;
  }
  return best;
}

/** The default class among these: annotated is-default-class "true", the newest when several are (Kubernetes 1.28+). */
export function pickDefaultStorageClass(classes: readonly StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter((sc) => sc.metadata.annotations?.[ANN_DEFAULT_STORAGE_CLASS] === 'true');
  defaults.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  return defaults[0];
}
