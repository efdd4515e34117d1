// What the mesh config compiler reads, and where it reads it from. The node
// agent implements ConfigSource from informers; tests use StaticConfigSource.

import type { Endpoints, KubeObject, Pod, Service } from '../../control/api/index.ts';
import type { DestinationRule, Gateway, Ingress, ServiceEntry, VirtualService } from '../../control/api/istio.ts';

export interface MeshInputs {
  readonly services: readonly Service[];
  readonly endpoints: readonly Endpoints[];
  readonly pods: readonly Pod[];
  readonly virtualServices: readonly VirtualService[];
  readonly destinationRules: readonly DestinationRule[];
  readonly gateways: readonly Gateway[];
  readonly serviceEntries: readonly ServiceEntry[];
  readonly ingresses: readonly Ingress[];
}

export type MeshSnapshot = MeshInputs & { readonly revision: number };

/**
 * Contract: `snapshot()` returns a consistent view (never a half-applied
 * change) and `revision` grows whenever any input changed. `onChange`
 * listeners are called after the change is visible to `snapshot()`; they must
 * not throw. The returned function unsubscribes.
 */
export interface ConfigSource {
  snapshot(): MeshSnapshot;
  onChange(listener: () => void): () => void;
}

export const EMPTY_INPUTS: MeshInputs = {
  services: [],
  endpoints: [],
  pods: [],
  virtualServices: [],
  destinationRules: [],
  gateways: [],
  serviceEntries: [],
  ingresses: [],
};

/** A mutable ConfigSource for tests and embedders that build config by hand. */
export class StaticConfigSource implements ConfigSource {
  private current: MeshSnapshot;
  private readonly listeners = new Set<() => void>();

  constructor(inputs: Partial<MeshInputs> = {}) {
    this.current = { ...EMPTY_INPUTS, ...inputs, revision: 1 };
  }

  snapshot(): MeshSnapshot {
    return this.current;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Replaces the given input lists in one step and notifies listeners. */
  update(change: Partial<MeshInputs>): void {
    this.current = { ...this.current, ...change, revision: this.current.revision + 1 };
    for (const listener of [...this.listeners]) listener();
  }

  /** Adds or replaces objects by kind/namespace/name, in one step. */
  apply(...objects: KubeObject[]): void {
    const next: Record<keyof MeshInputs, KubeObject[]> = {
      services: [...this.current.services],
      endpoints: [...this.current.endpoints],
      pods: [...this.current.pods],
      virtualServices: [...this.current.virtualServices],
      destinationRules: [...this.current.destinationRules],
      gateways: [...this.current.gateways],
      serviceEntries: [...this.current.serviceEntries],
      ingresses: [...this.current.ingresses],
    };
    for (const obj of objects) {
      const field = inputFieldForKind(obj.kind);
      if (!field) continue;
      const list = next[field];
      const at = list.findIndex((o) => o.metadata.name === obj.metadata.name && o.metadata.namespace === obj.metadata.namespace);
      if (at >= 0) list[at] = obj;
      else list.push(obj);
    }
    this.update(next as unknown as Partial<MeshInputs>);
  }

  /** Removes objects by kind/namespace/name, in one step. */
  remove(...objects: { kind: string; metadata: { name: string; namespace?: string } }[]): void {
    const change: Partial<Record<keyof MeshInputs, KubeObject[]>> = {};
    for (const obj of objects) {
      const field = inputFieldForKind(obj.kind);
      if (!field) continue;
      const list = (change[field] ?? [...this.current[field]]) as KubeObject[];
      change[field] = list.filter((o) => !(o.metadata.name === obj.metadata.name && o.metadata.namespace === obj.metadata.namespace));
    }
    this.update(change as unknown as Partial<MeshInputs>);
  }
}

const FIELD_BY_KIND: Record<string, keyof MeshInputs> = {
  Service: 'services',
  Endpoints: 'endpoints',
  Pod: 'pods',
  VirtualService: 'virtualServices',
  DestinationRule: 'destinationRules',
  Gateway: 'gateways',
  ServiceEntry: 'serviceEntries',
  Ingress: 'ingresses',
};

/** Which MeshInputs list holds objects of `kind`, if any. */
export function inputFieldForKind(kind: string): keyof MeshInputs | undefined {
  return FIELD_BY_KIND[kind];
}

/** Sorts objects into MeshInputs lists by kind; other kinds are ignored. */
export function meshInputsFromObjects(objects: readonly KubeObject[]): MeshInputs {
  const out: Record<keyof MeshInputs, KubeObject[]> = {
    services: [], endpoints: [], pods: [], virtualServices: [], destinationRules: [], gateways: [], serviceEntries: [], ingresses: [],
  };
  for (const obj of objects) {
    const field = inputFieldForKind(obj.kind);
    if (field) out[field].push(obj);
  }
  return out as unknown as MeshInputs;
}
