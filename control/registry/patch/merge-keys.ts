// patchStrategy / patchMergeKey of the built-in kinds' list fields, from the
// Kubernetes Go types (`patchStrategy:"merge" patchMergeKey:"name"`). A list
// not named here is atomic: a strategic merge patch replaces it whole.

export type ListStrategy = { mergeKey: string } | { primitiveMerge: true };

const POD_SPEC_LISTS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};

const CONTAINER_LISTS: Record<string, string> = {
  env: 'name',
  ports: 'containerPort',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  resizePolicy: 'resourceName',
};

/** `path` is the chain of member names from the object root; list items add no segment. */
export function listStrategyFor(kind: string, path: readonly string[]): ListStrategy | undefined {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (last === undefined) return undefined;
  if (parent === 'metadata' && path.length === 2) {
    if (last === 'finalizers') return { primitiveMerge: true };
    if (last === 'ownerReferences') return { mergeKey: 'uid' };
    return undefined;
  }
  if (parent !== undefined && parent in POD_SPEC_LISTS && POD_SPEC_LISTS[parent] === 'name' && last in CONTAINER_LISTS) {
    if (parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers') return { mergeKey: CONTAINER_LISTS[last]! };
  }
  if (parent === 'volumes' && last === 'volumeMounts') return undefined;
  if (last in POD_SPEC_LISTS && parent === 'spec') return { mergeKey: POD_SPEC_LISTS[last]! };
  if (last === 'conditions' && parent === 'status') return { mergeKey: 'type' };
  if (kind === 'Service' && path.length === 2 && parent === 'spec' && last === 'ports') return { mergeKey: 'port' };
  if (kind === 'Node' && parent === 'status' && last === 'addresses') return { mergeKey: 'type' };
  if (kind === 'Node' && parent === 'spec' && last === 'taints') return { mergeKey: 'key' };
  return undefined;
}
