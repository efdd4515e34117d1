// The StorageClass every cluster starts with, as kind ships it: `standard`,
// the default class, provisioned by rancher.io/local-path, Delete, and
// WaitForFirstConsumer so the scheduler picks the node before the directory
// is made. Created when absent at each start; a class the user changed is left alone.

import type { Client, ObjectInput } from '../api/index.ts';
import { ANN_DEFAULT_STORAGE_CLASS, DEFAULT_STORAGE_CLASS_NAME, LOCAL_PATH_PROVISIONER, STORAGE_CLASSES, isApiError } from '../api/index.ts';

export const DEFAULT_STORAGE_CLASS: ObjectInput = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: DEFAULT_STORAGE_CLASS_NAME, annotations: { [ANN_DEFAULT_STORAGE_CLASS]: 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

export async function ensureDefaultStorageClass(client: Client): Promise<void> {
  if (await client.get(STORAGE_CLASSES, undefined, DEFAULT_STORAGE_CLASS_NAME)) return;
  try {
    await client.create(STORAGE_CLASSES, structuredClone(DEFAULT_STORAGE_CLASS));
  } catch (err) {
    if (!isApiError(err, 'AlreadyExists')) throw err;
  }
}
