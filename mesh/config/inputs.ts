// What the mesh config compiler reads, and where it reads it from. The node
// agent implements ConfigSource from informers; tests use StaticConfigSource.

import type { KubeObject, ObjectOf, ResourceType } from '../../control/api/index.ts';
import { DESTINATION_RULES, ENDPOINTS, GATEWAYS, INGRESSES, PODS, SERVICES, SERVICE_ENTRIES, VIRTUAL_SERVICES } from '../../control/api/index.ts';

/**
 * The one list of kinds the mesh compiler reads, keyed by the MeshInputs field
 * that holds them. It drives the MeshInputs type, the kinds the cluster watches
 * for the mesh, the watcher's change fingerprint, the CLI's offline compile and
 * StaticConfigSource: a new mesh kind is one entry here.
 */
export const MESH_INPUT_KINDS = {
  services: SERVICES,
  endpoints: ENDPOINTS,
  pods: PODS,
  virtualServices: VIRTUAL_SERVICES,
  destinationRules: DESTINATION_RULES,
  gateways: GATEWAYS,
  serviceEntries: SERVICE_ENTRIES,
  ingresses: INGRESSES,
} as const;

export type MeshInputField = keyof typeof MESH_INPUT_KINDS;

export type MeshInputs = { readonly [F in MeshInputField]: readonly ObjectOf<(typeof MESH_INPUT_KINDS)[F]>[] };

export const MESH_INPUT_FIELDS = Object.keys(MESH_INPUT_KINDS) as readonly MeshInputField[];

/** The mesh kinds as a list of tokens (what a cluster view must watch). */
export const MESH_INPUT_TYPES: readonly ResourceType[] = MESH_INPUT_FIELDS.map((f) => MESH_INPUT_KINDS[f]);

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

/** A MeshInputs built field by field from the kinds list (each list fresh). */
function buildInputs(listOf: (field: MeshInputField) => readonly KubeObject[]): MeshInputs {
  const out: Partial<Record<MeshInputField, readonly KubeObject[]>> = {};
  for (const field of MESH_INPUT_FIELDS) out[field] = listOf(field);
  // Each field holds objects of its own token's kind (listOf is called per field).
  return out as MeshInputs;
}

export const EMPTY_INPUTS: MeshInputs = buildInputs(() => []);

/** Builds MeshInputs by listing each mesh kind from `list` (a cluster view, a cache). */
export function meshInputsFrom(list: (type: ResourceType) => readonly KubeObject[]): MeshInputs {
  return buildInputs((field) => list(MESH_INPUT_KINDS[field]));
}

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
    const next = new Map<MeshInputField, KubeObject[]>();
    for (const obj of objects) {
      const field = inputFieldForKind(obj.kind);
      if (!field) continue;
      const list = next.get(field) ?? [...this.current[field]];
      next.set(field, list);
      const at = list.findIndex((o) => o.metadata.name === obj.metadata.name && o.metadata.namespace === obj.metadata.namespace);
      if (at >= 0) list[at] = obj;
      else list.push(obj);
    }
    this.update(buildInputs((f) => next.get(f) ?? this.current[f]));
  }

  /** Removes objects by kind/namespace/name, in one step. */
  remove(...objects: { kind: string; metadata: { name: string; namespace?: string } }[]): void {
    const change: Partial<Record<MeshInputField, readonly KubeObject[]>> = {};
    for (const obj of objects) {
      const field = inputFieldForKind(obj.kind);
      if (!field) continue;
      const list: readonly KubeObject[] = change[field] ?? this.current[field];
      change[field] = list.filter((o) => !(o.metadata.name === obj.metadata.name && o.metadata.namespace === obj.metadata.namespace));
    }
    this.update(buildInputs((f) => change[f] ?? this.current[f]));
  }
}

const FIELD_BY_KIND: ReadonlyMap<string, MeshInputField> = new Map(MESH_INPUT_FIELDS.map((f) => [MESH_INPUT_KINDS[f].kind, f]));

/** Which MeshInputs list holds objects of `kind`, if any. */
export function inputFieldForKind(kind: string): MeshInputField | undefined {
  return FIELD_BY_KIND.get(kind);
}

/** Sorts objects into MeshInputs lists by kind; other kinds are ignored. */
export function meshInputsFromObjects(objects: readonly KubeObject[]): MeshInputs {
  const out = new Map<MeshInputField, KubeObject[]>(MESH_INPUT_FIELDS.map((f) => [f, []]));
  for (const obj of objects) {
    const field = inputFieldForKind(obj.kind);
    if (field) out.get(field)?.push(obj);
  }
  return buildInputs((f) => out.get(f) ?? []);
}
