// The claims of a StatefulSet: one per claim template and ordinal, created
// before the ordinal's pod and never deleted with it. Whether they outlive the
// set, or a scale-down, is persistentVolumeClaimRetentionPolicy's call
// (Retain/Retain by default): Delete makes the set (whenDeleted) or the
// condemned pod (whenScaled) an owner, and the garbage collector does the rest.

import type { Client, KubeObject, OwnerReference, StatefulSet } from '../api/index.ts';
import { MeshletError, PERSISTENT_VOLUME_CLAIMS, isApiError } from '../api/index.ts';
import type { EventRecorder } from '../runtime/index.ts';
import { claimsFor, podName } from './statefulset-pods.ts';

function ownerRef(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, blockOwnerDeletion: true };
}

/** The owner references a claim should carry for the set's whenDeleted policy (other owners kept). */
function refsForSet(set: StatefulSet, claim: { metadata: { ownerReferences?: OwnerReference[] } }): OwnerReference[] {
  const others = (claim.metadata.ownerReferences ?? []).filter((r) => r.uid !== set.metadata.uid);
  return set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete' ? [...others, ownerRef(set)] : others;
}

export class StatefulSetClaims {
  private readonly byName: Map<string, KubeObject>;

  private constructor(
    private readonly client: Client,
    private readonly recorder: EventRecorder,
    claims: readonly KubeObject[],
  ) {
    this.byName = new Map(claims.map((c) => [c.metadata.name, c]));
  }

  static async load(client: Client, recorder: EventRecorder, set: StatefulSet): Promise<StatefulSetClaims> {
    const claims = (set.spec?.volumeClaimTemplates ?? []).length
      ? (await client.list(PERSISTENT_VOLUME_CLAIMS, { namespace: set.metadata.namespace })).items
      : [];
    return new StatefulSetClaims(client, recorder, claims);
  }

  /**
   * Creates the ordinal's missing claims and brings the owner references of
   * existing ones in line with whenDeleted. A claim still being deleted blocks
   * the pod (its data is going away), as in Kubernetes.
   */
  async ensure(set: StatefulSet, ordinal: number): Promise<void> {
    for (const claim of claimsFor(set, ordinal)) {
      const name = claim.metadata.name ?? '';
      const existing = this.byName.get(name);
      if (existing) {
        if (existing.metadata.deletionTimestamp) {
          // Retried with backoff until the claim is gone; then a fresh one is made.
          throw new MeshletError('MESHLET_STS_CLAIM_TERMINATING', `statefulset: pvc ${name} is being deleted; pod ${podName(set, ordinal)} waits for it to be gone`);
        }
        await this.setOwners(existing, refsForSet(set, existing));
        continue;
      }
      try {
        const refs = refsForSet(set, claim);
        const created = await this.client.create(PERSISTENT_VOLUME_CLAIMS, { ...claim, metadata: { ...claim.metadata, ...(refs.length ? { ownerReferences: refs } : {}) } });
        this.byName.set(name, created);
        this.recorder.record(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${podName(set, ordinal)} in StatefulSet ${set.metadata.name} success`);
      } catch (err) {
        if (isApiError(err, 'AlreadyExists')) continue;
        this.recorder.record(
          set,
          'Warning',
          'FailedCreate',
          `create Claim ${name} for Pod ${podName(set, ordinal)} in StatefulSet ${set.metadata.name} failed error: ${err instanceof Error ? err.message : String(err)}`,
        );
        throw err;
      }
    }
  }

  /** whenScaled Delete: the condemned pod becomes an owner of its claims, so they go with it. */
  async handOverToPod(set: StatefulSet, ordinal: number, pod: KubeObject): Promise<void> {
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
    for (const claim of claimsFor(set, ordinal)) {
      const existing = this.byName.get(claim.metadata.name ?? '');
      if (!existing || (existing.metadata.ownerReferences ?? []).some((r) => r.uid === pod.metadata.uid)) continue;
      await this.setOwners(existing, [...(existing.metadata.ownerReferences ?? []), ownerRef(pod)]);
    }
  }

  private async setOwners(claim: KubeObject, refs: OwnerReference[]): Promise<void> {
    const same = JSON.stringify(claim.metadata.ownerReferences ?? []) === JSON.stringify(refs);
    if (same) return;
    try {
      const updated = await this.client.update(PERSISTENT_VOLUME_CLAIMS, { ...claim, metadata: { ...claim.metadata, ownerReferences: refs } });
      this.byName.set(updated.metadata.name, updated);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}
