// The DefaultStorageClass admission plugin: a new claim that does not name a
// storage class (the field absent, not "") gets the default one's name — the
// class annotated storageclass.kubernetes.io/is-default-class "true", the
// newest of them when there are several, as Kubernetes 1.28+ picks. With no
// default class the claim is left as it is.

import type { Client, ObjectInput, PersistentVolumeClaimSpec, StorageClass } from '../api/index.ts';
import { STORAGE_CLASSES, pickDefaultStorageClass } from '../api/index.ts';

/** The beta annotation a claim could still use to name its class. */
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

export async function defaultStorageClassName(client: Pick<Client, 'list'>): Promise<string | undefined> {
  return pickDefaultStorageClass((await client.list<StorageClass>(STORAGE_CLASSES)).items)?.metadata.name;
}

/** Fills spec.storageClassName of a claim being created, in place. */
export async function admitClaimStorageClass(client: Pick<Client, 'list'>, claim: ObjectInput): Promise<void> {
  const spec = claim['spec'] as PersistentVolumeClaimSpec | undefined;
  if (!spec || typeof spec !== 'object' || spec.storageClassName !== undefined) return;
  if (claim.metadata.annotations?.[BETA_CLASS_ANNOTATION] !== undefined) return;
  const name = await defaultStorageClassName(client);
  if (name) spec.storageClassName = name;
}
