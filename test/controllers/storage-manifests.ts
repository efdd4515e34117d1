// Test support: PersistentVolume and PersistentVolumeClaim manifests for the storage controller tests.

export function pvManifest(name: string, options: { storage?: string; modes?: string[]; className?: string; labels?: Record<string, string>; policy?: string; claimRef?: Record<string, string> } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, ...(options.labels ? { labels: options.labels } : {}) },
    spec: {
      capacity: { storage: options.storage ?? '1Gi' },
      accessModes: options.modes ?? ['ReadWriteOnce'],
      hostPath: { path: `/tmp/meshlet-test-${name}` },
      ...(options.className !== undefined ? { storageClassName: options.className } : {}),
      ...(options.policy ? { persistentVolumeReclaimPolicy: options.policy } : {}),
      ...(options.claimRef ? { claimRef: options.claimRef } : {}),
    },
  };
}

export function pvcManifest(name: string, options: { storage?: string; modes?: string[]; className?: string; volumeName?: string; selector?: Record<string, unknown> } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default' },
    spec: {
      accessModes: options.modes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: options.storage ?? '1Gi' } },
      storageClassName: options.className ?? '',
      ...(options.volumeName ? { volumeName: options.volumeName } : {}),
      ...(options.selector ? { selector: options.selector } : {}),
    },
  };
}
