// The order Istio gives competing objects: oldest creationTimestamp first,
// then namespace/name, so compiling the same inputs always gives the same table.

interface Ordered {
  metadata: { creationTimestamp?: string; name: string; namespace?: string };
}

export function creationOrder(a: Ordered, b: Ordered): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`);
}
