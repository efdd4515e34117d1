// The scale subresource of CRD-defined kinds: an autoscaling/v1 Scale read
// from the version's specReplicasPath, statusReplicasPath and
// labelSelectorPath; a write sets specReplicasPath on the object itself, as
// apiextensions-apiserver's scale REST does (so `kubectl scale` works).

import type { CustomKind, CustomResourceSubresourceScale, KubeObject } from '../api/index.ts';
import { evaluateJsonPath, writablePath } from './json-path.ts';

export function scalePathsOf(custom: CustomKind): CustomResourceSubresourceScale | undefined {
  return custom.definition.spec?.versions.find((v) => v.name === custom.type.version)?.subresources?.scale;
}

export function customScaleOf(obj: KubeObject, paths: CustomResourceSubresourceScale): Record<string, unknown> {
  const specReplicas = evaluateJsonPath(obj, paths.specReplicasPath)[0];
  const statusReplicas = evaluateJsonPath(obj, paths.statusReplicasPath)[0];
  const selector = paths.labelSelectorPath ? evaluateJsonPath(obj, paths.labelSelectorPath)[0] : undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: typeof specReplicas === 'number' ? specReplicas : 0 },
    status: { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0, ...(typeof selector === 'string' ? { selector } : {}) },
  };
}

/** A merge patch setting specReplicasPath to `replicas`. */
export function replicasPatch(paths: CustomResourceSubresourceScale, replicas: number): Record<string, unknown> {
  const keys = writablePath(paths.specReplicasPath) ?? ['spec', 'replicas'];
  let patch: Record<string, unknown> = {};
  const root = patch;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) patch[key] = replicas;
    else {
      const next: Record<string, unknown> = {};
      patch[key] = next;
      patch = next;
    }
  });
  return root;
}
